// chaos controller entry: wiring only.
import { Redis } from 'ioredis';
import { loadConfig } from '../../lib/config.js';
import { DnsControl } from '../../lib/dns-control.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { PlanStore } from '../../lib/plans.js';
import { onShutdown } from '../../lib/shutdown.js';
import { buildApp } from './app.js';
import { controllerConfig } from './config.js';
import { systemClock } from '../../lib/clock.js';
import { Canary } from './canary.js';
import { repairDns } from './repair.js';
import { runbook } from './runbook.js';
import { parseServices, ServiceDirectory } from './services.js';
import { directorySources, registerTimelineRoutes, Timeline } from './timeline.js';
import { lookupA } from '../../lib/dns-client.js';

const config = loadConfig(controllerConfig);
const log = createLogger('controller');
let services;
try {
  services = parseServices(config.SERVICES);
} catch (err) {
  process.stderr.write(`invalid configuration:\n  ${(err as Error).message}\n`);
  process.exit(78);
}
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const dns = new DnsControl(config.DNS_API_URL, config.LAB_ADMIN_TOKEN);
const plans = new PlanStore(redis);

const canary = new Canary(config.CANARY_URL, config.CANARY_INTERVAL_MS, systemClock);
const directory = new ServiceDirectory(services, config.LAB_ADMIN_TOKEN);
const app = buildApp({
  canary,
  directory,
  repairs: { dns: () => repairDns({ plans, dns }), ...runbook(directory) },
  pingRedis: () => redis.ping(),
  log,
  adminToken: config.LAB_ADMIN_TOKEN,
  registry: createRegistry('controller'),
  events: new EventLog(),
});
// The timeline asks with a budget below its interval, so one dead service never delays a sample.
const [dnsHost, dnsPort] = config.TIMELINE_DNS.split(':') as [string, string];
const timelineBudgetMs = Math.max(100, Math.floor(config.TIMELINE_INTERVAL_MS * 0.8));
const timeline = new Timeline(
  directorySources(
    new ServiceDirectory(services, config.LAB_ADMIN_TOKEN, timelineBudgetMs),
    async () => (await lookupA(config.TIMELINE_KV_NAME, Number(dnsPort), dnsHost, timelineBudgetMs)).addresses.length,
    () => canary.counts,
  ),
  systemClock,
  { intervalMs: config.TIMELINE_INTERVAL_MS, capacity: config.TIMELINE_CAPACITY, timeoutMs: timelineBudgetMs },
);
registerTimelineRoutes(app, timeline);
await app.listen({ port: config.PORT, host: config.HOST });
void canary.run();
timeline.start();
onShutdown(log, [() => canary.stop(), () => timeline.stop(), () => app.close(), () => dns.close(), () => redis.quit()]);
