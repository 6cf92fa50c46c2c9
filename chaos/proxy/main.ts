// fault-proxy entry: wiring only.
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { seedFromEnv } from '../../lib/random.js';
import { onShutdown } from '../../lib/shutdown.js';
import { buildApp } from './api.js';
import { ProxyCollection } from './collection.js';
import { faultProxyConfig } from './config.js';

const config = loadConfig(faultProxyConfig);
const log = createLogger('fault-proxy', config.LOG_LEVEL);
const seed = config.FAULT_SEED ?? seedFromEnv(undefined);
const events = new EventLog();
const registry = createRegistry('fault-proxy');
const collection = new ProxyCollection({
  log,
  clock: systemClock,
  events,
  registry,
  seed,
  connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
  linkBufferBytes: config.LINK_BUFFER_BYTES,
});
const app = buildApp({ collection, log, adminToken: config.LAB_ADMIN_TOKEN, registry, events });

log.info({ seed, proxies: config.PROXIES.length }, 'fault-proxy starting (FAULT_SEED repeats this run)');
try {
  await collection.populate(config.PROXIES);
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'cannot start the proxies given in PROXIES');
  process.exit(1);
}
await app.listen({ port: config.API_PORT, host: config.API_HOST });
onShutdown(log, [() => app.close(), () => collection.clear()]);
