// launcher configuration: one schema, parsed at start. Its defaults are the lab's (lib/timing.ts): counts
// from CASCADE, every time setting derived from LAB_CLOCK unless its own variable sets it.
import type { z } from 'zod';
import { bool, derived, int, labClock, namedUrls, port, str } from '../../lib/config.js';
import { CASCADE } from '../../lib/timing.js';

const { dwfm, network, autoscaling } = CASCADE;

export const launcherConfig = {
  PORT: port(8003),
  HOST: str('0.0.0.0'),
  LAB_ADMIN_TOKEN: str(),
  /** One AWS hour of lab time: every derived setting below follows it. */
  LAB_CLOCK: labClock(),
  /** The kv endpoint by name: every new request resolves it (lib/resolver.ts). */
  KV_URL: str('http://kv.us-east-1.lab.internal:8000'),
  KV_TIMEOUT_MS: int(2000, 10, 600000),
  KV_CONNECTIONS: int(16, 1, 1024),
  /** How long NODATA/NXDOMAIN for the kv endpoint is remembered. */
  DNS_NEGATIVE_TTL_MS: int(2000, 0, 600000),
  DROPLET_HOSTS: namedUrls(['az-a=http://droplet-az-a:8004', 'az-b=http://droplet-az-b:8004', 'az-c=http://droplet-az-c:8004'].join(','), 'az'),
  DROPLET_TIMEOUT_MS: derived(10, 3_600_000),
  DROPLETS_PER_AZ: int(dwfm.droplets.perAz, 1, 10000),
  SLOTS_PER_DROPLET: int(4, 1, 1000),
  LEASE_TTL_MS: derived(100, 86_400_000),
  LEASE_RENEW_MS: derived(10, 86_400_000),
  LEASE_SCAN_MS: derived(10, 3_600_000),
  /** Renewals come due up to this percentage of LEASE_RENEW_MS early, at random (spreads them out). */
  LEASE_RENEW_JITTER_PCT: int(dwfm.lease.renewJitter * 100, 0, 100),
  WORK_QUEUE_LIMIT: int(dwfm.queue.limit, 1, 1000000),
  WORK_CONCURRENCY: int(dwfm.queue.workers, 1, 10000),
  ITEM_DEADLINE_MS: derived(10, 3_600_000),
  /** A timed-out item is queued again after a random pause up to this long. */
  REQUEUE_JITTER_MS: derived(0, 3_600_000),
  /** Items admitted at once while leases are established in batches (at start, after restart-dwfm). */
  RECOVERY_BATCH: int(dwfm.queue.recoveryBatch, 1, 100000),
  GOODPUT_WINDOW_MS: derived(100, 3_600_000),
  /** Network configurations delivered per second (fractions allowed: it follows the clock). */
  NETWORK_RATE: derived(0.001, 100000, false),
  /** Items the network manager serves at once after an idle spell (its token bucket's size). */
  NETWORK_BURST: int(network.burst, 1, 100000),
  /** Amazon's fourth remediation: admit launches by the size of the network manager's waiting queue. */
  FIX_PROPAGATION_THROTTLE: bool(false),
  /** Waiting network work at which, with the fix, launches are refused. */
  NETWORK_ADMISSION_LIMIT: int(network.admissionLimit, 1, 1000000),
  NETWORK_LATENCY_SAMPLES: int(200, 1, 100000),
  NETWORK_MAX_ATTEMPTS: int(5, 1, 1000),
  /** The customers' application behind the NLB: instances per AZ, and their age before replacement. */
  DESIRED_PER_AZ: int(autoscaling.app.perAz, 0, 10000),
  MAX_INSTANCE_AGE_MS: derived(100, 86_400_000 * 30),
  /** The region's other customers' instances (not behind this NLB): most of the launches. */
  OTHERS_PER_AZ: int(autoscaling.others.perAz, 0, 10000),
  OTHERS_MAX_AGE_MS: derived(100, 86_400_000 * 30),
  AUTOSCALING_INTERVAL_MS: derived(10, 3_600_000),
  AUTOSCALING_ENABLED: bool(true),
  KEEP_TERMINATED: int(500, 0, 1000000),
  /** Deregistration delay: a terminated instance's host closes it this long after EC2 lists it terminated. */
  TERMINATE_DRAIN_MS: int(3000, 0, 600000),
  LAUNCHER_SEED: str(''),
};

export type LauncherConfig = { [K in keyof typeof launcherConfig]: z.infer<(typeof launcherConfig)[K]> };
