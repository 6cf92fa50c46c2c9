// droplet entry: wiring only.
import { loadConfig } from '../../lib/config.js';
import { EventLog } from '../../lib/events.js';
import { KvClient } from '../../lib/kv-client.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { Resolver } from '../../lib/resolver.js';
import { onShutdown } from '../../lib/shutdown.js';
import { systemClock } from '../../lib/clock.js';
import { Random, seedFromEnv } from '../../lib/random.js';
import { ClockedSettings, dropletTiming, overridesOf } from '../../lib/timing.js';
import { StateChecks } from './state-checks.js';
import { buildApp } from './app.js';
import { dropletConfig } from './config.js';
import { customerHandler, type AppStats } from './customer-app.js';
import { InstanceHost } from './instances.js';
import { registerDropletMetrics } from './metrics.js';

const config = loadConfig(dropletConfig);
// The state checks' times follow the lab clock unless STATE_CHECK_MS or RENEW_CHECK_MS sets them; PUT /lab/clock changes the clock.
const timing = new ClockedSettings(dropletTiming, overridesOf(config, dropletTiming, config.LAB_CLOCK), config.LAB_CLOCK);
const checkTimes = (v: typeof timing.values) => ({ durationMs: v.STATE_CHECK_MS, renewDurationMs: v.RENEW_CHECK_MS });
const checks = new StateChecks({ ...checkTimes(timing.values), concurrency: config.STATE_CHECK_CONCURRENCY }, systemClock);
timing.apply((v) => checks.retime(checkTimes(v)));
const random = new Random(seedFromEnv(config.DROPLET_SEED));
const log = createLogger(`droplet/${config.HOST_ID}`);
const events = new EventLog();
const registry = createRegistry('droplet');
const kv = new KvClient({ url: config.KV_URL, token: config.LAB_ADMIN_TOKEN, resolver: new Resolver(), timeoutMs: config.KV_TIMEOUT_MS });
const appStats: AppStats = { requests: 0, ok: 0, failed: 0 };
const host = new InstanceHost(
  {
    portMin: config.INSTANCE_PORT_MIN,
    portMax: config.INSTANCE_PORT_MAX,
    host: config.INSTANCE_HOST,
    keepTerminated: config.KEEP_TERMINATED,
    unconfiguredDrop: config.UNCONFIGURED_DROP,
    random: () => random.next(),
  },
  customerHandler(kv, appStats),
  events,
);

registerDropletMetrics(registry, host, appStats);

const app = buildApp({ hostId: config.HOST_ID, az: config.AZ, host, checks, appStats, log, adminToken: config.LAB_ADMIN_TOKEN, registry, events, timing });
await app.listen({ port: config.PORT, host: config.HOST });
log.info({ ports: `${config.INSTANCE_PORT_MIN}-${config.INSTANCE_PORT_MAX}`, kv: config.KV_URL }, 'droplet host started');
onShutdown(log, [() => app.close(), () => host.close(), () => kv.close()]);
