// dns-enactor entry: wiring only.
import { Redis } from 'ioredis';
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { DnsControl } from '../../lib/dns-control.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { PlanStore } from '../../lib/plans.js';
import { Random, seedFromEnv } from '../../lib/random.js';
import { onShutdown } from '../../lib/shutdown.js';
import { buildApp } from './app.js';
import { enactorConfig, enactorOptions } from './config.js';
import { Enactor } from './enactor.js';
import { registerEnactorMetrics } from './metrics.js';

const config = loadConfig(enactorConfig);
const log = createLogger(`dns-enactor/${config.ENACTOR_ID}`);
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const dns = new DnsControl(config.DNS_API_URL, config.LAB_ADMIN_TOKEN, config.DNS_API_TIMEOUT_MS);
const events = new EventLog();
const registry = createRegistry('dns-enactor');
const enactor = new Enactor(enactorOptions(config), new PlanStore(redis), dns, systemClock, new Random(seedFromEnv(config.ENACTOR_SEED)), events, log);
registerEnactorMetrics(registry, enactor);

const app = buildApp({
  id: config.ENACTOR_ID,
  enactor,
  pingRedis: () => redis.ping(),
  pingDns: () => dns.records({ name: config.ZONE }),
  log,
  adminToken: config.LAB_ADMIN_TOKEN,
  registry,
  events,
});
await app.listen({ port: config.PORT, host: config.HOST });
log.info({ fix: config.FIX_ENACTOR, dnsApi: config.DNS_API_URL }, 'enactor started');
void enactor.run();
onShutdown(log, [() => enactor.stop(), () => app.close(), () => dns.close(), () => redis.quit()]);
