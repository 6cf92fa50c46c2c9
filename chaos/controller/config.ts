// chaos controller configuration.
import { hostPort, int, labClock, list, port, str } from '../../lib/config.js';

export const controllerConfig = {
  PORT: port(8080),
  HOST: str('0.0.0.0'),
  LAB_ADMIN_TOKEN: str(),
  /** The lab clock the controller keeps every timed service at until PUT /api/clock changes it (kept in Redis). */
  LAB_CLOCK: labClock(),
  REDIS_URL: str('redis://redis:6379'),
  DNS_API_URL: str('http://dns-server:8053'),
  /**
   * The lab's services as `name=kind@url,...` instead of the compose labels, for a controller outside
   * Docker (the dashboard benchmark, development); empty: the labels.
   */
  LAB_SERVICES: str(''),
  /** What the customer canary reads, by name, through the lab's DNS. */
  CANARY_URL: str('http://kv.us-east-1.lab.internal:8000/v1/items/canary'),
  CANARY_INTERVAL_MS: int(200, 10, 600000),
  /** The timeline: how often every service is sampled, and how many samples are kept (an hour by default). */
  TIMELINE_INTERVAL_MS: int(1000, 100, 60000),
  TIMELINE_CAPACITY: int(3600, 10, 1_000_000),
  /** The lab's DNS server as host:port: the timeline, the live stream and the runs the controller hosts ask it. */
  TIMELINE_DNS: hostPort('dns-server:53'),
  TIMELINE_KV_NAME: str('kv.us-east-1.lab.internal'),
  /** The live stream (GET /api/live): the names whose addresses it shows, each probe's budget, the history a new page gets. */
  LIVE_ENDPOINTS: list(['kv.us-east-1.lab.internal', 'app.us-east-1.lab.internal']),
  LIVE_PROBE_TIMEOUT_MS: int(500, 50, 10_000),
  LIVE_WINDOW_MS: int(300_000, 10_000, 3_600_000),
  LIVE_HEARTBEAT_MS: int(2000, 100, 60_000),
  LIVE_MAX_CLIENTS: int(100, 1, 10_000),
  /** Where the runs the controller hosts keep journal.json and report.html, and how many runs are kept. */
  REPORTS_DIR: str('/tmp/cascade-lab-reports'),
  REPORTS_KEEP: int(20, 1, 10_000),
};
