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
import { ServiceDirectory } from './services.js';
import { composeServices, servicesOfContainers } from '../topology.js';
import { controllerKind } from '../faults/catalogue.js';
import { EngineApi, LabContainers, ownProject, PROJECT_LABEL } from '../faults/docker.js';
import { HeldFaults } from '../faults/held-faults.js';
import { RedisFaultStore } from './fault-store.js';
import { callService } from './runbook.js';
import { badRequest } from '../../lib/errors.js';
import { directorySources, registerTimelineRoutes, Timeline } from './timeline.js';
import { lookupA } from '../../lib/dns-client.js';

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
// in the compose file the image carries (chaos/topology.ts).
const discover = own
  ? async () => servicesOfContainers(await docker.list([`${PROJECT_LABEL}=${own.project}`]))
  : async () => composeServices();
const directory = new ServiceDirectory(discover, config.LAB_ADMIN_TOKEN);
const events = new EventLog();
const faults = new HeldFaults(
  systemClock,
  events,
  { containers: own ? new LabContainers(docker, own.project, own.self) : null, callService: async (service, path, body) => {
      const known = (await directory.topology()).services;
      if (!known.some((s) => s.name === service)) throw badRequest(`no lab service ${JSON.stringify(service)}; known: ${known.map((s) => s.name).join(', ')}`);
      return callService(directory, service, path, body);
    },
  },
  controllerKind,
  new RedisFaultStore(redis),
);
const app = buildApp({
  canary,
  directory,
  repairs: { dns: () => repairDns({ plans, dns }), ...runbook(directory) },
  pingRedis: () => redis.ping(),
  log,
  adminToken: config.LAB_ADMIN_TOKEN,
  registry: createRegistry('controller'),
  events,
  faults,
});
// The timeline asks with a budget below its interval, so one dead service never delays a sample.
const timelineBudgetMs = Math.max(100, Math.floor(config.TIMELINE_INTERVAL_MS * 0.8));
const timeline = new Timeline(
  directorySources(
    directory,
    async () => (await lookupA(config.TIMELINE_KV_NAME, config.TIMELINE_DNS.port, config.TIMELINE_DNS.host, timelineBudgetMs)).addresses.length,
    () => canary.counts,
    timelineBudgetMs,
  ),
  systemClock,
  { intervalMs: config.TIMELINE_INTERVAL_MS, capacity: config.TIMELINE_CAPACITY, timeoutMs: timelineBudgetMs },
);
registerTimelineRoutes(app, timeline);
await app.listen({ port: config.PORT, host: config.HOST });
void canary.run();
timeline.start();
void faults
  .recover()
  .then((n) => n && log.warn({ faults: n }, 'undid faults a previous controller left behind'))
  .catch((err: Error) => log.warn({ err: err.message }, 'could not recover held faults'))
  .then(() => faults.run());
// On a clean stop nothing it holds may stay behind: undo every fault first.
onShutdown(log, [() => faults.clear(), () => faults.stop(), () => canary.stop(), () => timeline.stop(), () => app.close(), () => dns.close(), () => redis.quit()]);
