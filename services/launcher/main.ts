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
import { buildApp } from './app.js';
import { Autoscaler } from './autoscaling.js';
import { launcherConfig } from './config.js';
import { HttpDropletHosts } from './droplet-hosts.js';
import { Dwfm } from './dwfm.js';
import { Ec2 } from './ec2-api.js';
import { NetworkManager } from './network-manager.js';

const config = loadConfig(launcherConfig);
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
const hosts = new HttpDropletHosts(hostsByAz, config.LAB_ADMIN_TOKEN, config.DROPLET_TIMEOUT_MS);
const dwfmRandom = random.fork();
const dwfm = new Dwfm(
  {
    azs,
    dropletsPerAz: config.DROPLETS_PER_AZ,
    leaseTtlMs: config.LEASE_TTL_MS,
    leaseRenewMs: config.LEASE_RENEW_MS,
    scanMs: config.LEASE_SCAN_MS,
    workQueueLimit: config.WORK_QUEUE_LIMIT,
    workConcurrency: config.WORK_CONCURRENCY,
    itemDeadlineMs: config.ITEM_DEADLINE_MS,
    recoveryBatch: config.RECOVERY_BATCH,
    goodputWindowMs: config.GOODPUT_WINDOW_MS,
    requeueJitterMs: config.REQUEUE_JITTER_MS,
    renewJitter: config.LEASE_RENEW_JITTER_PCT / 100,
    random: () => dwfmRandom.next(),
  },
  kv, hosts, systemClock, events,
);
const network = new NetworkManager(
  {
    ratePerSecond: config.NETWORK_RATE,
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
  ? new Autoscaler({ azs, desiredPerAz: config.DESIRED_PER_AZ, maxInstanceAgeMs: config.MAX_INSTANCE_AGE_MS, intervalMs: config.AUTOSCALING_INTERVAL_MS }, ec2, systemClock, events)
  : null;

const app = buildApp({
  dwfm, ec2, network, autoscaler, azs,
  probeKv: () => kv.get('lab/readyz-probe'),
  log, adminToken: config.LAB_ADMIN_TOKEN, registry: createRegistry('launcher'), events,
});
await app.listen({ port: config.PORT, host: config.HOST });
log.info({ kv: config.KV_URL, azs, droplets: dwfm.droplets.size, fix: config.FIX_PROPAGATION_THROTTLE }, 'launcher started');
void dwfm.run();
void network.run();
void autoscaler?.run();
onShutdown(log, [() => autoscaler?.stop(), () => network.stop(), () => dwfm.stop(), () => app.close(), () => kv.close(), () => hosts.close()]);
