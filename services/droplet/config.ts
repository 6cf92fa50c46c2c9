// droplet configuration: one schema, parsed at start; the lab's defaults come from lib/timing.ts.
import { derived, fraction, int, labClock, port, str } from '../../lib/config.js';
import { CASCADE } from '../../lib/timing.js';

export const dropletConfig = {
  /** Admin port: the launcher's API and the standard lab endpoints. */
  PORT: port(8004),
  HOST: str('0.0.0.0'),
  /** This droplet host's name and Availability Zone. */
  HOST_ID: str('droplet-az-a'),
  AZ: str('az-a'),
  LAB_ADMIN_TOKEN: str(),
  /** One AWS hour of lab time: the state check's time follows it. */
  LAB_CLOCK: labClock(),
  /** Customer instances listen on ports of this range, on INSTANCE_HOST. */
  INSTANCE_PORT_MIN: port(20000),
  INSTANCE_PORT_MAX: port(20999),
  INSTANCE_HOST: str('0.0.0.0'),
  /** Terminated instances still listed by GET /v1/instances. */
  KEEP_TERMINATED: int(500, 0, 100000),
  /** Share of connections to an instance without its network configuration that fail (1: refuse all). */
  UNCONFIGURED_DROP: fraction(CASCADE.instances.unconfiguredDrop),
  /** DWFM's state check: how long one takes (derived from the clock; a renewal's is shorter), and how many run at once. */
  STATE_CHECK_MS: derived(0, 3_600_000),
  RENEW_CHECK_MS: derived(0, 3_600_000),
  STATE_CHECK_CONCURRENCY: int(CASCADE.stateCheck.concurrency, 1, 10000),
  /** The kv endpoint the customer app reads and writes, by name: its DNS really matters. */
  KV_URL: str('http://kv.us-east-1.lab.internal:8000'),
  KV_TIMEOUT_MS: int(2000, 10, 60000),
  DROPLET_SEED: str(''),
};
