// chaos controller entry: wiring only (controller.ts puts the parts together).
import { Redis } from 'ioredis';
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { DnsControl } from '../../lib/dns-control.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { PlanStore } from '../../lib/plans.js';
import { onShutdown } from '../../lib/shutdown.js';
import { EngineApi, LabContainers, ownProject, PROJECT_LABEL } from '../faults/docker.js';
import { composeServices, servicesFromList, servicesOfContainers } from '../topology.js';
import { Canary } from './canary.js';
import { controllerConfig } from './config.js';
import { createController } from './controller.js';
import { LabClockKeeper, redisClockStore } from './lab-clock.js';
import { RedisFaultStore } from './fault-store.js';
import { repairDns } from './repair.js';
import { runbook } from './runbook.js';
import { ServiceDirectory } from './services.js';

const config = loadConfig(controllerConfig);
const log = createLogger('controller');
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
const dns = new DnsControl(config.DNS_API_URL, config.LAB_ADMIN_TOKEN);
const plans = new PlanStore(redis);

const canary = new Canary(config.CANARY_URL, config.CANARY_INTERVAL_MS, systemClock);
// Container faults go through the Docker socket (mounted by docker-compose.yml), limited to this
// controller's own compose project; without the socket they answer 503 and everything else works.
const docker = new EngineApi();
const own = await ownProject(docker);
if (own) log.info({ project: own.project, self: own.self }, 'container faults: Docker API available');
else log.warn('container faults unavailable: no Docker socket (mount /var/run/docker.sock) and no LAB_PROJECT');
// The lab's services are its compose labels: on the project's containers when Docker can be asked, else
// in the compose file the image carries (chaos/topology.ts); LAB_SERVICES names them outside Docker.
const discover = config.LAB_SERVICES
  ? servicesFromList(config.LAB_SERVICES)
  : own
    ? async () => servicesOfContainers(await docker.list([`${PROJECT_LABEL}=${own.project}`]))
    : async () => composeServices();
const directory = new ServiceDirectory(discover, config.LAB_ADMIN_TOKEN);

const events = new EventLog();
const controller = createController({
  settings: {
    timeline: { intervalMs: config.TIMELINE_INTERVAL_MS, capacity: config.TIMELINE_CAPACITY, budgetMs: Math.max(100, Math.floor(config.TIMELINE_INTERVAL_MS * 0.8)) },
    kvName: config.TIMELINE_KV_NAME,
    live: {
      endpoints: config.LIVE_ENDPOINTS,
      probeTimeoutMs: config.LIVE_PROBE_TIMEOUT_MS,
      windowMs: config.LIVE_WINDOW_MS,
      heartbeatMs: config.LIVE_HEARTBEAT_MS,
      maxSubscribers: config.LIVE_MAX_CLIENTS,
      maxBufferedBytes: 1024 * 1024,
    },
    dns: config.TIMELINE_DNS,
    reports: { dir: config.REPORTS_DIR, keep: config.REPORTS_KEEP },
  },
  controllerUrl: () => `http://127.0.0.1:${config.PORT}`,
  adminToken: config.LAB_ADMIN_TOKEN,
  log,
  registry: createRegistry('controller'),
  events,
  clock: systemClock,
  directory,
  canary,
  repairs: { dns: () => repairDns({ plans, dns }), ...runbook(directory) },
  pingRedis: () => redis.ping(),
  containers: own ? new LabContainers(docker, own.project, own.self) : null,
  faultStore: new RedisFaultStore(redis),
  labClock: new LabClockKeeper(config.LAB_CLOCK, directory, redisClockStore(redis), events, log, systemClock),
});
await controller.app.listen({ port: config.PORT, host: config.HOST });
void canary.run();
controller.start();
onShutdown(log, [() => controller.stop(), () => canary.stop(), () => dns.close(), () => redis.quit()]);
