// dns-server configuration, parsed once at start; a bad value stops the service naming the variable.
import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';
import { adminToken, int, oneOf, port, str } from '../../lib/config.js';
import { seedFromEnv } from '../../lib/random.js';
import { isValidName, normaliseName } from './record.js';

const optional = (v: unknown) => (v === '' ? undefined : v);

export const dnsConfigShape = {
  DNS_PORT: port(53),
  DNS_HOST: str('0.0.0.0').refine((v) => isIP(v) !== 0, 'expected an IP address to bind'),
  CONTROL_PORT: port(8053),
  CONTROL_HOST: str('0.0.0.0').refine((v) => isIP(v) !== 0, 'expected an IP address to bind'),
  LAB_ADMIN_TOKEN: adminToken(),
  ZONE: str('lab.internal')
    .transform(normaliseName)
    .refine(isValidName, 'expected a DNS name such as lab.internal'),
  /** SOA minimum and SOA TTL in seconds: how long resolvers cache NXDOMAIN and NODATA. */
  NEGATIVE_TTL: int(5, 0, 86400),
  /** Seed for weighted answers; unset means a fresh seed each start. */
  DNS_SEED: z.preprocess(optional, z.coerce.number({ error: 'expected an integer' }).int('expected an integer').optional())
    .transform((v) => seedFromEnv(v === undefined ? undefined : String(v))),
  /** IPv4 of ns1.<zone>; without it the NS name has no address record. */
  NS_ADDRESS: z.preprocess(optional, z.string().refine(isIPv4, 'expected an IPv4 address').optional()),
  DNS_TCP_IDLE_MS: int(10_000, 100, 3_600_000),
  DNS_TCP_MAX_CONNECTIONS: int(256, 1, 65_535),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
};

export type DnsConfig = z.infer<z.ZodObject<typeof dnsConfigShape>>;
