// dns-planner configuration.
import { int, namedUrls, port, str } from '../../lib/config.js';

export const plannerConfig = {
  PORT: port(8001),
  HOST: str('0.0.0.0'),
  REDIS_URL: str('redis://redis:6379'),
  LAB_ADMIN_TOKEN: str(),
  /** The kv-store nodes behind the endpoint, as id=url pairs. */
  KV_NODES: namedUrls('kv-1=http://kv-1:8000,kv-2=http://kv-2:8000,kv-3=http://kv-3:8000', 'id'),
  ENDPOINT: str('kv.us-east-1.lab.internal'),
  /** A new generation at least this often, even without a capacity change (traffic shifts). */
  PLAN_INTERVAL_MS: int(250, 50, 3600000),
  PROBE_INTERVAL_MS: int(250, 50, 600000),
  PROBE_TIMEOUT_MS: int(1000, 50, 60000),
  /** How many plan generations Redis keeps. */
  PLAN_KEEP: int(1000, 10, 1000000),
};
