// nlb node entry: wiring only. The node named by CHECKER_NODE also runs the health-check subsystem and
// owns the app endpoint's DNS; the others follow its view of which targets are in service.
import { ownAddress } from '../../lib/address.js';
import { systemClock } from '../../lib/clock.js';
import { ConfigError, exitOnConfigError, loadConfig } from '../../lib/config.js';
import { DnsControl } from '../../lib/dns-control.js';
import { EventLog } from '../../lib/events.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { onShutdown, type Closer } from '../../lib/shutdown.js';
import { ClockedSettings, nlbTiming, overridesOf } from '../../lib/timing.js';
import { AppEndpoint } from './app-endpoint.js';
import { buildApp } from './app.js';
import { CheckerView } from './checker-view.js';
import { nlbConfig } from './config.js';
import { Forwarder } from './forwarder.js';
import { HealthChecker } from './health-checks.js';
import { registerNlbMetrics } from './metrics.js';
import { HttpProber } from './probes.js';
import { LauncherTargets } from './targets.js';

const config = loadConfig(nlbConfig);
// The health checks' times follow the lab clock unless their own variables set them; PUT /lab/clock changes it.
const timing = new ClockedSettings(nlbTiming, overridesOf(config, nlbTiming, config.LAB_CLOCK), config.LAB_CLOCK);
const t = timing.values;
const checkerPeer = config.PEERS.find((p) => p.id === config.CHECKER_NODE);
if (!checkerPeer || !config.PEERS.some((p) => p.id === config.NODE_ID)) {
  exitOnConfigError(new ConfigError([`PEERS: must list NODE_ID (${config.NODE_ID}) and CHECKER_NODE (${config.CHECKER_NODE})`]));
}
const log = createLogger(`nlb/${config.NODE_ID}`);
const events = new EventLog();
const registry = createRegistry('nlb');
const address = config.NODE_ADDRESS || ownAddress();
const isChecker = config.NODE_ID === config.CHECKER_NODE;
const closers: Closer[] = [];

let checker: { health: HealthChecker; endpoint: AppEndpoint; pingDns: () => Promise<unknown> } | undefined;
let view: CheckerView | undefined;
if (isChecker) {
  const dns = new DnsControl(config.DNS_API_URL, config.LAB_ADMIN_TOKEN, config.DNS_API_TIMEOUT_MS);
  const launcher = new LauncherTargets(config.LAUNCHER_URL, config.LAUNCHER_TIMEOUT_MS, config.TARGET_STATES, config.TARGET_GROUP);
  const prober = new HttpProber();
  const endpoint = new AppEndpoint(dns, config.APP_ENDPOINT, config.APP_RECORD_TTL);
  const health = new HealthChecker(
    {
      intervalMs: t.CHECK_INTERVAL_MS,
      timeoutMs: t.CHECK_TIMEOUT_MS,
      failThreshold: config.FAIL_THRESHOLD,
      passThreshold: config.PASS_THRESHOLD,
      costPerChangeMs: t.CHECK_COST_PER_CHANGE_MS,
      azFailoverThreshold: config.AZ_FAILOVER_THRESHOLD,
      fix: config.FIX_NLB_VELOCITY,
      maxRemoveFraction: config.MAX_REMOVE_FRACTION,
      velocityWindowMs: t.VELOCITY_WINDOW_MS,
      nodes: config.PEERS,
    },
    launcher,
    prober,
    endpoint,
    systemClock,
    events,
    log,
  );
  checker = { health, endpoint, pingDns: () => dns.records({ name: config.APP_ENDPOINT }) };
  timing.apply((v) => {
    Object.assign(health.opts, { intervalMs: v.CHECK_INTERVAL_MS, timeoutMs: v.CHECK_TIMEOUT_MS, costPerChangeMs: v.CHECK_COST_PER_CHANGE_MS, velocityWindowMs: v.VELOCITY_WINDOW_MS });
    health.reschedule();
  });
  closers.push(() => health.stop(), () => launcher.close(), () => prober.close(), () => dns.close());
} else {
  const follower = new CheckerView(checkerPeer.url, t.CHECK_INTERVAL_MS, t.CHECK_TIMEOUT_MS * 4, systemClock, log);
  timing.apply((v) => {
    Object.assign(follower.opts, { intervalMs: v.CHECK_INTERVAL_MS, timeoutMs: v.CHECK_TIMEOUT_MS * 4 });
    follower.reschedule();
  });
  view = follower;
  closers.push(() => view?.stop(), () => view?.close());
}

const forwarder = new Forwarder(checker?.health ?? view!, {
  az: config.NODE_ID,
  crossZone: config.CROSS_ZONE,
  timeoutMs: config.FORWARD_TIMEOUT_MS,
  capacityPerSecond: config.CAPACITY_PER_SECOND,
});
const traffic = forwarder.createServer();
registerNlbMetrics(registry, forwarder, checker);

const app = buildApp({
  nodeId: config.NODE_ID,
  address,
  trafficPort: config.TRAFFIC_PORT,
  checkerId: config.CHECKER_NODE,
  fix: config.FIX_NLB_VELOCITY,
  checker,
  view,
  forwarder,
  staleAfterMs: () => timing.values.CHECK_INTERVAL_MS * 5 + config.LAUNCHER_TIMEOUT_MS,
  now: () => systemClock.now(),
  trafficListening: () => traffic.listening,
  log,
  adminToken: config.LAB_ADMIN_TOKEN,
  registry,
  events,
  timing,
});

await app.listen({ port: config.ADMIN_PORT, host: config.HOST });
await new Promise<void>((resolve, reject) => {
  traffic.once('error', reject);
  traffic.listen(config.TRAFFIC_PORT, config.HOST, () => resolve());
});
log.info({ address, trafficPort: config.TRAFFIC_PORT, checker: config.CHECKER_NODE, fix: config.FIX_NLB_VELOCITY }, 'nlb node started');
if (checker) void checker.health.run();
if (view) void view.run();
onShutdown(log, [
  ...closers,
  () => app.close(),
  () => new Promise<void>((resolve) => {
    traffic.close(() => resolve());
    traffic.closeAllConnections();
  }),
  () => forwarder.close(),
]);
