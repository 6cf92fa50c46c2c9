// kv-store entry: wiring only.
import { Redis } from 'ioredis';
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { ownAddress } from '../../lib/address.js';
import { onShutdown } from '../../lib/shutdown.js';
import { ClockedSettings, kvStoreTiming, overridesOf } from '../../lib/timing.js';
import { Admission } from './admission.js';
import { buildApp } from './app.js';
import { kvStoreConfig } from './config.js';
import { kvRedisOptions } from './redis-options.js';
import { KvStore } from './store.js';

const config = loadConfig(kvStoreConfig);
const log = createLogger(`kv-store/${config.NODE_ID}`);
const redis = new Redis(config.REDIS_URL, kvRedisOptions(config.REDIS_TIMEOUT_MS));
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));

const timing = new ClockedSettings(kvStoreTiming, overridesOf(config, kvStoreTiming, config.LAB_CLOCK), config.LAB_CLOCK);
const admission = new Admission(config.CAPACITY, config.QUEUE_LIMIT, timing.values.SERVICE_TIME_MS, systemClock);
timing.apply((v) => (admission.serviceTimeMs = v.SERVICE_TIME_MS));

const app = buildApp({
  nodeId: config.NODE_ID,
  address: config.ADVERTISE_ADDRESS || ownAddress(),
  store: new KvStore(redis),
  admission,
  timing,
  log,
  adminToken: config.LAB_ADMIN_TOKEN,
  registry: createRegistry('kv-store'),
  events: new EventLog(),
});

await app.listen({ port: config.PORT, host: config.HOST });
onShutdown(log, [() => app.close(), () => redis.quit()]);
