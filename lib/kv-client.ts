// Client for the kv-store API by NAME (http://kv.us-east-1.lab.internal:8000), the way AWS's own services
// reached DynamoDB: every request resolves the endpoint through lib/resolver.ts (cached for the record's
// TTL), picks one of its addresses at random and goes through a keep-alive pool for that address. When the
// endpoint's DNS answer is empty, no request leaves: the caller gets a DnsFailure, however healthy the
// kv-store nodes are.
import { Pool } from 'undici';
import { ResolveError, type Resolver } from './resolver.js';

export interface KvItem<T = unknown> {
  key: string;
  value: T;
  version: number;
}

export class KvError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}
/** The endpoint did not resolve (dnsCode ENODATA for an empty endpoint, ENOTFOUND, ETIMEOUT...). */
export class DnsFailure extends KvError {
  constructor(readonly dnsCode: string, readonly hostname: string) {
    super('DnsFailure', `${hostname} did not resolve: ${dnsCode}`);
  }
}
/** A conditional write or delete found another version. */
export class ConditionFailed extends KvError {
  constructor(readonly key: string, readonly actualVersion: number) {
    super('ConditionFailed', `conditional check failed for ${key}: item is at version ${actualVersion}`);
  }
}
/** The node answered 5xx, or could not be reached (status 0). */
export class Unavailable extends KvError {
  constructor(readonly status: number, detail: string) {
    super('Unavailable', `kv-store unavailable (${status || 'no connection'}): ${detail}`);
  }
}
export class Timeout extends KvError {
  constructor(readonly timeoutMs: number) {
    super('Timeout', `kv request took longer than ${timeoutMs} ms`);
  }
}
/** Any other answer (400, 401...): a bug or a wrong token, not an outage. */
export class Rejected extends KvError {
  constructor(readonly status: number, readonly serverCode: string, message: string) {
    super('Rejected', `kv-store rejected the request (${status} ${serverCode}): ${message}`);
  }
}

export interface KvClientOptions {
  /** Base URL with the endpoint's name, e.g. http://kv.us-east-1.lab.internal:8000 */
  url: string;
  token: string;
  resolver: Resolver;
  timeoutMs?: number;
  /** Connection cap per address. */
  connectionsPerAddress?: number;
  keepAliveMs?: number;
  /** For the choice of address; Math.random by default (pass a seeded Random's next). */
  random?: () => number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { actualVersion?: number } };
}

export class KvClient {
  private readonly hostname: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly timeoutMs: number;
  private readonly random: () => number;
  private readonly pools = new Map<string, Pool>();
  readonly stats = { requests: 0, dnsFailures: 0, timeouts: 0, unavailable: 0 };

  constructor(private readonly opts: KvClientOptions) {
    const url = new URL(opts.url);
    this.hostname = url.hostname;
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.random = opts.random ?? Math.random;
  }

  async get<T = unknown>(key: string, opts: RequestOptions = {}): Promise<KvItem<T> | null> {
    const { status, body } = await this.call('GET', key, undefined, opts.signal);
    if (status === 404) return null;
    return body as KvItem<T>;
  }

  /** Writes an item; with expectedVersion (0 = must not exist) the write is conditional. */
  async put(key: string, value: unknown, opts: RequestOptions & { expectedVersion?: number } = {}): Promise<{ version: number }> {
    const payload = opts.expectedVersion === undefined ? { value } : { value, expectedVersion: opts.expectedVersion };
    const { body } = await this.call('PUT', key, payload, opts.signal);
    return { version: (body as { version: number }).version };
  }

  async delete(key: string, opts: RequestOptions & { expectedVersion?: number } = {}): Promise<boolean> {
    const query = opts.expectedVersion === undefined ? '' : `?expectedVersion=${opts.expectedVersion}`;
    const { status, body } = await this.call('DELETE', key, undefined, opts.signal, query);
    return status === 200 && (body as { deleted?: boolean }).deleted === true;
  }

  /** Pools kept open (one per address seen in the endpoint's answer). */
  get addresses(): string[] {
    return [...this.pools.keys()];
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }

  private async pool(): Promise<Pool> {
    let addresses: string[];
    try {
      addresses = await this.opts.resolver.resolve(this.hostname);
    } catch (err) {
      this.stats.dnsFailures++;
      if (err instanceof ResolveError) throw new DnsFailure(err.code, this.hostname);
      throw new DnsFailure(String((err as { code?: string }).code ?? 'ESERVFAIL'), this.hostname);
    }
    // Addresses that left the answer get no new requests; their pools close once idle.
    for (const [address, pool] of this.pools) {
      if (!addresses.includes(address)) {
        this.pools.delete(address);
        void pool.close().catch(() => undefined);
      }
    }
    const address = addresses[Math.min(addresses.length - 1, Math.floor(this.random() * addresses.length))] as string;
    let pool = this.pools.get(address);
    if (!pool) {
      const origin = `http://${address.includes(':') ? `[${address}]` : address}:${this.port}`;
      pool = new Pool(origin, {
        connections: this.opts.connectionsPerAddress ?? 16,
        keepAliveTimeout: this.opts.keepAliveMs ?? 10_000,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        connectTimeout: this.timeoutMs,
      });
      this.pools.set(address, pool);
    }
    return pool;
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', key: string, payload: unknown, signal?: AbortSignal, query = '') {
    this.stats.requests++;
    const pool = await this.pool();
    const timer = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timer]) : timer;
    const headers: Record<string, string> = { host: this.hostHeader, authorization: `Bearer ${this.opts.token}` };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let body: unknown;
    try {
      const res = await pool.request({
        method,
        // Keys like lease/droplet/az-a-001 travel as one path segment (%2F), which the store decodes.
        path: `/v1/items/${encodeURIComponent(key)}${query}`,
        headers,
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: combined,
      });
      status = res.statusCode;
      body = await res.body.json().catch(() => ({}));
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (timer.aborted || (err as { code?: string }).code === 'UND_ERR_HEADERS_TIMEOUT') {
        this.stats.timeouts++;
        throw new Timeout(this.timeoutMs);
      }
      this.stats.unavailable++;
      throw new Unavailable(0, (err as Error).message);
    }
    if (status < 300 || (status === 404 && method !== 'PUT')) return { status, body };
    const error = (body as ErrorBody).error;
    if (status === 409) throw new ConditionFailed(key, error?.details?.actualVersion ?? -1);
    if (status >= 500) {
      this.stats.unavailable++;
      throw new Unavailable(status, error?.message ?? `HTTP ${status}`);
    }
    throw new Rejected(status, error?.code ?? `HTTP_${status}`, error?.message ?? `HTTP ${status}`);
  }
}
