// launcher entry: wiring only.
import { systemClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config.js';
import { EventLog } from '../../lib/events.js';
import { KvClient } from '../../lib/kv-client.js';
import { createLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { Random, seedFromEnv } from '../../lib/random.js';
import { Resolver } from '../../lib/resolver.js';
import { onShutdown } from '../../lib/shutdown.js';
import { ClockedSettings, launcherTiming, overridesOf } from '../../lib/timing.js';
import { buildApp } from './app.js';
import { Autoscaler, labAutoscaling } from './autoscaling.js';
import { launcherConfig } from './config.js';
import { HttpDropletHosts } from './droplet-hosts.js';
import { Dwfm } from './dwfm.js';
import { Ec2 } from './ec2-api.js';
import { NetworkManager } from './network-manager.js';

const config = loadConfig(launcherConfig);
// Every time setting follows the lab clock unless its own variable set it; PUT /lab/clock changes the clock.
const timing = new ClockedSettings(launcherTiming, overridesOf(config, launcherTiming, config.LAB_CLOCK), config.LAB_CLOCK);
const t = timing.values;
const log = createLogger('launcher');
const random = new Random(seedFromEnv(config.LAUNCHER_SEED));
const events = new EventLog();
const hostsByAz = new Map(config.DROPLET_HOSTS.map((h) => [h.az, new URL(h.url)]));
const azs = [...hostsByAz.keys()];
const kvRandom = random.fork();
const kv = new KvClient({
  url: config.KV_URL,
  token: config.LAB_ADMIN_TOKEN,
  resolver: new Resolver({ negativeTtlMs: config.DNS_NEGATIVE_TTL_MS }),
  timeoutMs: config.KV_TIMEOUT_MS,
  connectionsPerAddress: config.KV_CONNECTIONS,
  random: () => kvRandom.next(),
});
const hosts = new HttpDropletHosts(hostsByAz, config.LAB_ADMIN_TOKEN, t.DROPLET_TIMEOUT_MS);
const dwfmRandom = random.fork();
const dwfm = new Dwfm(
  {
    azs,
    dropletsPerAz: config.DROPLETS_PER_AZ,
    leaseTtlMs: t.LEASE_TTL_MS,
    leaseRenewMs: t.LEASE_RENEW_MS,
    scanMs: t.LEASE_SCAN_MS,
    workQueueLimit: config.WORK_QUEUE_LIMIT,
    workConcurrency: config.WORK_CONCURRENCY,
    itemDeadlineMs: t.ITEM_DEADLINE_MS,
    recoveryBatch: config.RECOVERY_BATCH,
    goodputWindowMs: t.GOODPUT_WINDOW_MS,
    requeueJitterMs: t.REQUEUE_JITTER_MS,
    renewJitter: config.LEASE_RENEW_JITTER_PCT / 100,
    random: () => dwfmRandom.next(),
  },
  kv, hosts, systemClock, events,
);
const network = new NetworkManager(
  {
    ratePerSecond: t.NETWORK_RATE,
    burst: config.NETWORK_BURST,
    fix: config.FIX_PROPAGATION_THROTTLE,
    admissionLimit: config.NETWORK_ADMISSION_LIMIT,
    samples: config.NETWORK_LATENCY_SAMPLES,
    maxAttempts: config.NETWORK_MAX_ATTEMPTS,
  },
  (item) => (item.kind === 'configure' ? hosts.configureNetwork(item.az, item.instanceId) : hosts.terminate(item.az, item.instanceId)),
  systemClock, events,
);
const ec2 = new Ec2({ azs, slotsPerDroplet: config.SLOTS_PER_DROPLET, keepTerminated: config.KEEP_TERMINATED, drainMs: config.TERMINATE_DRAIN_MS }, dwfm, hosts, network, systemClock, random.fork(), events);
const autoscaler = config.AUTOSCALING_ENABLED
  ? new Autoscaler(
      labAutoscaling({ azs, intervalMs: t.AUTOSCALING_INTERVAL_MS, appPerAz: config.DESIRED_PER_AZ, othersPerAz: config.OTHERS_PER_AZ, appMaxAgeMs: t.MAX_INSTANCE_AGE_MS, othersMaxAgeMs: t.OTHERS_MAX_AGE_MS }),
      ec2, systemClock, events,
    )
  : null;
timing.apply((v) => {
  dwfm.retime({
    leaseTtlMs: v.LEASE_TTL_MS,
    leaseRenewMs: v.LEASE_RENEW_MS,
    scanMs: v.LEASE_SCAN_MS,
    itemDeadlineMs: v.ITEM_DEADLINE_MS,
    requeueJitterMs: v.REQUEUE_JITTER_MS,
    goodputWindowMs: v.GOODPUT_WINDOW_MS,
  });
  hosts.timeoutMs = v.DROPLET_TIMEOUT_MS;
  network.opts.ratePerSecond = v.NETWORK_RATE;
  network.reschedule();
  if (autoscaler) {
    autoscaler.retime({ app: v.MAX_INSTANCE_AGE_MS, others: v.OTHERS_MAX_AGE_MS });
    autoscaler.opts.intervalMs = v.AUTOSCALING_INTERVAL_MS;
    autoscaler.reschedule();
  }
});

const app = buildApp({
  dwfm, ec2, network, autoscaler, azs,
  probeKv: () => kv.get('lab/readyz-probe'),
  log, adminToken: config.LAB_ADMIN_TOKEN, registry: createRegistry('launcher'), events, timing,
});
await app.listen({ port: config.PORT, host: config.HOST });
log.info({ kv: config.KV_URL, azs, droplets: dwfm.droplets.size, fix: config.FIX_PROPAGATION_THROTTLE }, 'launcher started');
void dwfm.run();
void network.run();
void autoscaler?.run();
onShutdown(log, [() => autoscaler?.stop(), () => network.stop(), () => dwfm.stop(), () => app.close(), () => kv.close(), () => hosts.close()]);
