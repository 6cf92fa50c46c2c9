// chaos controller configuration.
import { int, list, port, str } from '../../lib/config.js';

export const controllerConfig = {
  PORT: port(8080),
  HOST: str('0.0.0.0'),
  LAB_ADMIN_TOKEN: str(),
  REDIS_URL: str('redis://redis:6379'),
  DNS_API_URL: str('http://dns-server:8053'),
  /** Every lab service as name=url, for status, state and events. */
  SERVICES: list([]),
  /** What the customer canary reads, by name, through the lab's DNS. */
  CANARY_URL: str('http://kv.us-east-1.lab.internal:8000/v1/items/canary'),
  CANARY_INTERVAL_MS: int(200, 10, 600000),
};
