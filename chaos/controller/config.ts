// chaos controller configuration.
import { hostPort, int, port, str } from '../../lib/config.js';

export const controllerConfig = {
  PORT: port(8080),
  HOST: str('0.0.0.0'),
  LAB_ADMIN_TOKEN: str(),
  REDIS_URL: str('redis://redis:6379'),
  DNS_API_URL: str('http://dns-server:8053'),
  /** What the customer canary reads, by name, through the lab's DNS. */
  CANARY_URL: str('http://kv.us-east-1.lab.internal:8000/v1/items/canary'),
  CANARY_INTERVAL_MS: int(200, 10, 600000),
  /** The timeline: how often every service is sampled, and how many samples are kept (an hour by default). */
  TIMELINE_INTERVAL_MS: int(1000, 100, 60000),
  TIMELINE_CAPACITY: int(3600, 10, 1_000_000),
  /** The DNS server the timeline asks for the kv endpoint's addresses, as host:port. */
  TIMELINE_DNS: hostPort('dns-server:53'),
  TIMELINE_KV_NAME: str('kv.us-east-1.lab.internal'),
};
