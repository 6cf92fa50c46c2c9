// loadgen service entry: wiring only.
import { loadConfig } from '../lib/config.js';
import { EventLog } from '../lib/events.js';
import { createLogger } from '../lib/log.js';
import { createRegistry } from '../lib/metrics.js';
import { onShutdown } from '../lib/shutdown.js';
import { buildApp } from './app.js';
import { loadgenConfig } from './config.js';
import { LoadgenService } from './service.js';

const config = loadConfig(loadgenConfig);
const log = createLogger('loadgen');
const registry = createRegistry('loadgen');
const events = new EventLog();

const service = new LoadgenService(
  {
    url: config.TARGET_URL,
    rate: config.RATE,
    connections: config.CONNECTIONS,
    pipelining: config.PIPELINING,
    timeoutMs: config.TIMEOUT_MS,
    ...(config.MAX_QUEUE > 0 ? { maxQueue: config.MAX_QUEUE } : {}),
    maxRequestsPerConnection: config.REQUESTS_PER_CONNECTION,
    successStatuses: config.SUCCESS_STATUSES,
    seriesLimit: config.SERIES_SECONDS,
    stateSeconds: config.STATE_SECONDS,
  },
  { registry, events, log },
);
const app = buildApp({ service, log, adminToken: config.LAB_ADMIN_TOKEN, registry, events });

await app.listen({ port: config.PORT, host: config.HOST });
service.start();
log.info({ target: config.TARGET_URL.href, rate: config.RATE, connections: config.CONNECTIONS }, 'sending customer traffic');
onShutdown(log, [() => app.close(), () => service.stop()]);
