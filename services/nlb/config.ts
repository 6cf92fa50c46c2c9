// nlb configuration: one schema, parsed at start; the lab's defaults come from lib/timing.ts (the health
// checks' times follow LAB_CLOCK unless their own variable sets them).
import type { z } from 'zod';
import { bool, derived, fraction, int, labClock, list, namedUrls, port, str } from '../../lib/config.js';
import { CASCADE } from '../../lib/timing.js';

const { nlb, customers } = CASCADE;

export const nlbConfig = {
  /** Admin port: /v1/node, /v1/targets, the operator's switch and the standard lab endpoints. */
  ADMIN_PORT: port(8005),
  /** Customer traffic for app.us-east-1.lab.internal. */
  TRAFFIC_PORT: port(80),
  HOST: str('0.0.0.0'),
  /** This node's id, which is its Availability Zone. */
  NODE_ID: str('az-a'),
  /** The address the app endpoint's DNS publishes for this node; by default the container's own IPv4. */
  NODE_ADDRESS: str(''),
  /** Every NLB node (this one included) by id, with its admin URL. */
  PEERS: namedUrls('az-a=http://nlb-az-a:8005,az-b=http://nlb-az-b:8005,az-c=http://nlb-az-c:8005', 'id'),
  /** The node that runs the health-check subsystem for the whole load balancer. */
  CHECKER_NODE: str('az-a'),
  LAUNCHER_URL: str('http://launcher:8003'),
  /** Launcher instance states registered as targets (network-pending = created, network config not delivered yet). */
  TARGET_STATES: list(['network-pending', 'running']),
  /** The autoscaling fleet whose instances are this load balancer's targets. */
  TARGET_GROUP: str('app'),
  DNS_API_URL: str('http://dns-server:8053'),
  LAB_ADMIN_TOKEN: str(),
  APP_ENDPOINT: str('app.us-east-1.lab.internal'),
  /** TTL of the app endpoint's records, in seconds. */
  APP_RECORD_TTL: int(2, 0, 86400),
  /** One AWS hour of lab time: the health checks' times follow it. */
  LAB_CLOCK: labClock(),
  CHECK_INTERVAL_MS: derived(10, 3_600_000),
  CHECK_TIMEOUT_MS: derived(10, 3_600_000),
  FAIL_THRESHOLD: int(nlb.failThreshold, 1, 100),
  PASS_THRESHOLD: int(nlb.passThreshold, 1, 100),
  /** Work per state change in the health-check subsystem; the next round's checks wait behind it. */
  CHECK_COST_PER_CHANGE_MS: derived(0, 3_600_000),
  /** A node whose AZ has a smaller share of healthy targets is removed from DNS (AZ failover). */
  AZ_FAILOVER_THRESHOLD: fraction(nlb.azFailoverThreshold),
  /** Amazon's second remediation: velocity control on the capacity one round may remove. */
  FIX_NLB_VELOCITY: bool(false),
  MAX_REMOVE_FRACTION: fraction(nlb.maxRemoveFraction),
  /** With the fix: failover's DNS removal budget refills over this long (derived from the clock). */
  VELOCITY_WINDOW_MS: derived(0, 86_400_000),
  /** Customer requests per second this node forwards; beyond, it answers 503 (real time: no clock). */
  CAPACITY_PER_SECOND: int(customers.nodeCapacityPerSecond, 1, 1_000_000),
  /** Forward to other AZs' targets when this node's AZ has none in service. */
  CROSS_ZONE: bool(false),
  FORWARD_TIMEOUT_MS: int(5000, 10, 600000),
  LAUNCHER_TIMEOUT_MS: int(2000, 10, 600000),
  DNS_API_TIMEOUT_MS: int(5000, 100, 600000),
};

export type NlbConfig = { [K in keyof typeof nlbConfig]: z.infer<(typeof nlbConfig)[K]> };
