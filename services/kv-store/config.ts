// kv-store configuration: one schema, parsed at start.
import { derived, int, labClock, port, str } from '../../lib/config.js';

export const kvStoreConfig = {
  PORT: port(8000),
  HOST: str('0.0.0.0'),
  NODE_ID: str('kv-1'),
  /** The address the planner publishes for this node; by default the container's own IPv4. */
  ADVERTISE_ADDRESS: str(''),
  REDIS_URL: str('redis://redis:6379'),
  LAB_ADMIN_TOKEN: str(),
  /**
   * Requests served at once; the rest wait in line, which is how latency grows with load. Twelve slots
   * let DWFM's renewals ride out a stall of a few seconds, and still let the 300 establishments after an
   * outage miss their deadlines (CASCADE-NOTES.md).
   */
  CAPACITY: int(12, 1, 100000),
  /** Requests allowed to wait for a slot before the node answers 503 (throttled). */
  QUEUE_LIMIT: int(1000, 0, 1000000),
  /** The lab clock: the modeled latency follows it (lib/timing.ts kvStoreTiming: 45 ms at 1h=10s). */
  LAB_CLOCK: labClock(),
  /** Per-request processing time of the storage node, in ms (0 = as fast as Redis); default from the clock. */
  SERVICE_TIME_MS: derived(0, 60000),
  REDIS_TIMEOUT_MS: int(1000, 10, 60000),
};
