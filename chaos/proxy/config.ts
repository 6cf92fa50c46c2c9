// fault-proxy configuration from the environment, checked at start.
import { z } from 'zod';
import { adminToken, int, oneOf, port, str } from '../../lib/config.js';
import { parseHostPort } from '../../lib/host-port.js';

const address = (what: string) =>
  z.string({ error: `${what}: required` }).refine((v) => typeof parseHostPort(v) !== 'string', { error: `${what}: expected host:port` });

export const proxySpec = z.object({
  name: z.string({ error: 'name: required' }).min(1, 'name: required'),
  listen: address('listen'),
  upstream: address('upstream'),
  enabled: z.boolean({ error: 'enabled: expected true or false' }).optional(),
  protocol: z.enum(['tcp', 'udp'], { error: 'protocol: expected "tcp" or "udp"' }).optional(),
});

/** PROXIES: a JSON array of {name, listen, upstream, enabled?, protocol?}, created at start like `toxiproxy-server -config`. */
const proxies = z
  .preprocess((v) => (v === undefined || v === '' ? '[]' : v), z.string())
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected a JSON array of {"name","listen","upstream"}: not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.array(proxySpec, { error: 'expected a JSON array of {"name","listen","upstream"}' }));

/** FAULT_SEED: an integer; unset means a seed is drawn (and logged, so the run can be repeated). */
const seed = z.preprocess(
  (v) => (v === undefined || v === '' ? undefined : Number(v)),
  z.number({ error: 'expected an integer' }).int('expected an integer').optional(),
);

export const faultProxyConfig = {
  API_PORT: port(8474),
  API_HOST: str('0.0.0.0'),
  PROXIES: proxies,
  FAULT_SEED: seed,
  LAB_ADMIN_TOKEN: adminToken(),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  /** A client whose upstream does not answer within this is closed. */
  UPSTREAM_CONNECT_TIMEOUT_MS: int(5000, 1, 600_000),
  /** Bytes a link may hold (delayed, not yet written) before it stops reading its source. */
  LINK_BUFFER_BYTES: int(1024 * 1024, 16 * 1024, 256 * 1024 * 1024),
  /** UDP proxies: a client address silent this long loses its upstream socket. */
  UDP_IDLE_MS: int(60_000, 100, 3_600_000),
};
