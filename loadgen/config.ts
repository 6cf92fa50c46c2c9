// The in-lab loadgen's configuration: one schema, parsed at start. RATE, TARGET_URL and SUCCESS_STATUSES
// use the same parsers as the CLI, so both accept and refuse the same values.
import { z } from 'zod';
import { adminToken, int, port, str } from '../lib/config.js';
import { CASCADE } from '../lib/timing.js';
import { parseRate, parseSuccessStatuses, parseTargetUrl } from './options.js';

/** A text variable parsed by one of options.ts's parsers; its message becomes the config problem. */
const parsed = <T>(def: string, parse: (text: string) => T) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : v),
    z.string().transform((text, ctx) => {
      try {
        return parse(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  );

export const loadgenConfig = {
  PORT: port(8090),
  HOST: str('0.0.0.0'),
  LAB_ADMIN_TOKEN: adminToken(),
  /** The customers' view of the application: through the OS resolver, like any customer. */
  TARGET_URL: parsed('http://app.us-east-1.lab.internal/', parseTargetUrl),
  /** Arrival rate in requests per second (or max); changed at run time by POST /v1/rate. The lab's customers (lib/timing.ts). */
  RATE: parsed(String(CASCADE.customers.ratePerSecond), parseRate),
  CONNECTIONS: int(8, 1, 10_000),
  PIPELINING: int(1, 1, 256),
  TIMEOUT_MS: int(5000, 1, 600_000),
  /** Scheduled requests allowed to wait for a free connection (0 = rate x timeout). */
  MAX_QUEUE: int(0, 0, 1_000_000),
  /**
   * Each connection is closed after this many requests (0 = never), so new connections keep resolving the
   * target's name: a small pool of long-lived sockets would never notice a DNS outage, real customers do.
   * One: every request is a customer of its own, spread over the NLB's nodes by their DNS weights (at 20
   * requests per second a reused connection would send a whole second's load to one node).
   */
  REQUESTS_PER_CONNECTION: int(1, 0, 1_000_000),
  /** The application answers 404 for a key nobody wrote yet: that is still a served request. */
  SUCCESS_STATUSES: parsed('200-404', parseSuccessStatuses),
  /** Seconds of per-second series kept in memory; GET /lab/state returns the last STATE_SECONDS of them. */
  SERIES_SECONDS: int(600, 10, 86_400),
  STATE_SECONDS: int(60, 1, 86_400),
};

export type LoadgenConfig = z.infer<z.ZodObject<typeof loadgenConfig>>;
