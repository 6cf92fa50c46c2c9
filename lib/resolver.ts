// A TTL-honouring resolver for lab names. Services ask it for A records through the OS's configured DNS
// servers (in a container /etc/resolv.conf points at Docker's 127.0.0.11, which forwards to the lab's DNS
// server), so an empty endpoint reaches them exactly as DynamoDB's reached AWS's own services: NODATA,
// cached negatively for a while. Positive answers are cached for their TTL (at least minTtlMs), and
// concurrent resolutions of one name share a single query.
import { Resolver as DnsResolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { systemClock, type Clock } from './clock.js';

export interface Answer {
  address: string;
  /** Seconds, as the server gave it. */
  ttl: number;
}

/** Asks DNS for the A records of a name; rejects with an error carrying a node:dns code (ENODATA...). */
export type LookupA = (name: string) => Promise<Answer[]>;

/** Codes that mean "the name has no address" and are cached negatively. */
export const NEGATIVE_CODES = new Set(['ENODATA', 'ENOTFOUND']);

/** A name that did not resolve: `code` is node:dns's (ENODATA for NODATA, ENOTFOUND for NXDOMAIN, ETIMEOUT...). */
export class ResolveError extends Error {
  constructor(
    readonly code: string,
    readonly hostname: string,
    message = `${code} resolving ${hostname}`,
  ) {
    super(message);
    this.name = 'ResolveError';
  }
}

export function systemLookup(opts: { timeoutMs?: number; tries?: number; servers?: string[] } = {}): LookupA {
  const resolver = new DnsResolver({ timeout: opts.timeoutMs ?? 1000, tries: opts.tries ?? 2 });
  if (opts.servers?.length) resolver.setServers(opts.servers);
  return (name) => resolver.resolve4(name, { ttl: true });
}

export interface ResolverOptions {
  lookup?: LookupA;
  clock?: Clock;
  /** How long NODATA/NXDOMAIN is remembered (the lab's SOA minimum is of this order). */
  negativeTtlMs?: number;
  /** Floor for positive answers, so a TTL of 0 does not turn every request into a query. */
  minTtlMs?: number;
}

interface Entry {
  expires: number;
  addresses?: string[];
  error?: ResolveError;
}

export class Resolver {
  private readonly lookup: LookupA;
  private readonly clock: Clock;
  private readonly negativeTtlMs: number;
  private readonly minTtlMs: number;
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<string[]>>();
  readonly stats = { queries: 0, cacheHits: 0, negativeHits: 0, failures: 0 };

  constructor(opts: ResolverOptions = {}) {
    this.lookup = opts.lookup ?? systemLookup();
    this.clock = opts.clock ?? systemClock;
    this.negativeTtlMs = opts.negativeTtlMs ?? 2000;
    this.minTtlMs = opts.minTtlMs ?? 1000;
  }

  /** The name's IPv4 addresses (an IP literal resolves to itself); throws ResolveError when there are none. */
  resolve(name: string): Promise<string[]> {
    if (isIP(name)) return Promise.resolve([name]);
    const hit = this.cache.get(name);
    if (hit && hit.expires > this.clock.now()) {
      if (hit.error) {
        this.stats.negativeHits++;
        return Promise.reject(hit.error);
      }
      this.stats.cacheHits++;
      return Promise.resolve(hit.addresses ?? []);
    }
    let query = this.pending.get(name);
    if (!query) {
      query = this.query(name).finally(() => this.pending.delete(name));
      this.pending.set(name, query);
    }
    return query;
  }

  /** Forgets cached answers (one name or all). */
  invalidate(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  private async query(name: string): Promise<string[]> {
    this.stats.queries++;
    let answers: Answer[];
    try {
      answers = await this.lookup(name);
    } catch (err) {
      this.stats.failures++;
      const code = String((err as { code?: unknown }).code ?? 'ESERVFAIL');
      const error = new ResolveError(code, name);
      // Only "no such address" is cached; a timeout or SERVFAIL is retried on the next request.
      if (NEGATIVE_CODES.has(code)) this.cache.set(name, { expires: this.clock.now() + this.negativeTtlMs, error });
      throw error;
    }
    if (answers.length === 0) {
      this.stats.failures++;
      const error = new ResolveError('ENODATA', name);
      this.cache.set(name, { expires: this.clock.now() + this.negativeTtlMs, error });
      throw error;
    }
    const ttlMs = Math.max(this.minTtlMs, Math.min(...answers.map((a) => a.ttl)) * 1000);
    const addresses = answers.map((a) => a.address);
    this.cache.set(name, { expires: this.clock.now() + ttlMs, addresses });
    return addresses;
  }
}
