// launcher configuration: one schema, parsed at start. Defaults give 300 droplets whose leases hold in
// normal operation and collapse on re-establishment after every lease lapsed (see work-queue.ts).
import type { z } from 'zod';
import { bool, int, namedUrls, port, str } from '../../lib/config.js';

export const launcherConfig = {
  PORT: port(8003),
  HOST: str('0.0.0.0'),
  LAB_ADMIN_TOKEN: str(),
  /** The kv endpoint by name: every new request resolves it (lib/resolver.ts). */
  KV_URL: str('http://kv.us-east-1.lab.internal:8000'),
  KV_TIMEOUT_MS: int(2000, 10, 600000),
  KV_CONNECTIONS: int(16, 1, 1024),
  /** How long NODATA/NXDOMAIN for the kv endpoint is remembered. */
  DNS_NEGATIVE_TTL_MS: int(2000, 0, 600000),
  /** The droplet host of each AZ, as az=url pairs; the AZs are the ones listed here. */
  DROPLET_HOSTS: namedUrls('az-a=http://droplet-az-a:8004,az-b=http://droplet-az-b:8004,az-c=http://droplet-az-c:8004', 'az'),
  DROPLET_TIMEOUT_MS: int(2000, 10, 600000),
  DROPLETS_PER_AZ: int(100, 1, 10000),
  SLOTS_PER_DROPLET: int(4, 1, 1000),
  LEASE_TTL_MS: int(20000, 100, 3600000),
  LEASE_RENEW_MS: int(5000, 10, 3600000),
  LEASE_SCAN_MS: int(500, 10, 600000),
  /** Renewals come due up to this percentage of LEASE_RENEW_MS early, at random (spreads them out). */
  LEASE_RENEW_JITTER_PCT: int(30, 0, 100),
  WORK_QUEUE_LIMIT: int(1000, 1, 1000000),
  WORK_CONCURRENCY: int(16, 1, 10000),
  ITEM_DEADLINE_MS: int(2000, 10, 600000),
  /** A timed-out item is queued again after a random pause up to this long. */
  REQUEUE_JITTER_MS: int(2000, 0, 600000),
  /** Items admitted at once while leases are established in batches (at start, after restart-dwfm). */
  RECOVERY_BATCH: int(32, 1, 100000),
  GOODPUT_WINDOW_MS: int(5000, 100, 600000),
  NETWORK_RATE: int(20, 1, 100000),
  /** Items the network manager serves at once after an idle spell (its token bucket's size). */
  NETWORK_BURST: int(2, 1, 100000),
  /** Amazon's fourth remediation: admit launches by the size of the network manager's waiting queue. */
  FIX_PROPAGATION_THROTTLE: bool(false),
  /** Waiting network work at which, with the fix, launches are refused (default: 5 s of work). */
  NETWORK_ADMISSION_LIMIT: int(100, 1, 1000000),
  NETWORK_LATENCY_SAMPLES: int(200, 1, 100000),
  NETWORK_MAX_ATTEMPTS: int(5, 1, 1000),
  DESIRED_PER_AZ: int(4, 0, 10000),
  MAX_INSTANCE_AGE_MS: int(30000, 100, 86400000),
  AUTOSCALING_INTERVAL_MS: int(1000, 10, 600000),
  AUTOSCALING_ENABLED: bool(true),
  KEEP_TERMINATED: int(500, 0, 1000000),
  /** Deregistration delay: a terminated instance's host closes it this long after EC2 lists it terminated. */
  TERMINATE_DRAIN_MS: int(3000, 0, 600000),
  LAUNCHER_SEED: str(''),
};

export type LauncherConfig = { [K in keyof typeof launcherConfig]: z.infer<(typeof launcherConfig)[K]> };
