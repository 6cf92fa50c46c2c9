// The set of proxies: create, update, delete, populate, reset. It guards the set's integrity (unique
// names) and runs changes one at a time, since starting a proxy waits for its listener.
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import type { Registry } from '../../lib/metrics.js';
import { Random } from '../../lib/random.js';
import { LabError } from '../../lib/errors.js';
import { proxyAlreadyExists, proxyNotFound } from './errors.js';
import { createProxyMetrics, type ProxyMetrics } from './metrics.js';
import type { ToxicEvent } from './toxic-collection.js';
import { Proxy, type ProxySpec } from './proxy.js';
import { UdpProxy } from './udp-proxy.js';

/** A TCP proxy (Toxiproxy's) or a UDP one. */
export type AnyProxy = Proxy | UdpProxy;

export interface CollectionDeps {
  log: Logger;
  clock: Clock;
  events: EventLog;
  registry: Registry;
  /** FAULT_SEED: with the same seed, the same proxy makes the same toxicity and jitter draws. */
  seed: number;
  connectTimeoutMs: number;
  linkBufferBytes: number;
  /** UDP proxies: a client address silent this long loses its upstream socket (default 60 s). */
  udpIdleMs?: number;
}

export interface NewProxy extends ProxySpec {
  enabled?: boolean;
}

/** Populate failed part-way: Toxiproxy answers with the error and the proxies already done. */
export class PopulateError extends LabError {
  constructor(
    cause: LabError,
    readonly proxies: AnyProxy[],
  ) {
    super(cause.code, cause.statusCode, cause.message, cause.details);
  }
}

export class ProxyCollection {
  private readonly proxies = new Map<string, AnyProxy>();
  private readonly metrics: ProxyMetrics;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: CollectionDeps) {
    this.metrics = createProxyMetrics(deps.registry, () => this.proxies.values());
  }

  get seed(): number {
    return this.deps.seed;
  }

  list(): AnyProxy[] {
    return [...this.proxies.values()];
  }

  get(name: string): AnyProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw proxyNotFound(name);
    return proxy;
  }

  add(input: NewProxy): Promise<AnyProxy> {
    return this.serially(() => this.addNow(input));
  }

  update(name: string, change: { listen?: string; upstream?: string; enabled?: boolean }): Promise<AnyProxy> {
    return this.serially(async () => {
      const proxy = this.get(name);
      const wasEnabled = proxy.enabled;
      await proxy.update(change);
      this.deps.events.emit('proxy-updated', { proxy: name, listen: proxy.listen, upstream: proxy.upstream, enabled: proxy.enabled });
      if (wasEnabled !== proxy.enabled) this.deps.events.emit(proxy.enabled ? 'proxy-enabled' : 'proxy-disabled', { proxy: name });
      return proxy;
    });
  }

  remove(name: string): Promise<void> {
    return this.serially(async () => {
      const proxy = this.get(name);
      this.proxies.delete(name);
      await proxy.stop();
      this.deps.events.emit('proxy-deleted', { proxy: name });
    });
  }

  /**
   * Creates each proxy, or keeps an existing one whose listen and upstream are the same (toxics and
   * all); one that differs is replaced. Like `toxiproxy-server -config` and POST /populate.
   */
  populate(inputs: NewProxy[]): Promise<AnyProxy[]> {
    return this.serially(async () => {
      const done: AnyProxy[] = [];
      for (const input of inputs) {
        try {
          const existing = this.proxies.get(input.name);
          if (existing && !existing.differs(input)) {
            done.push(existing);
            continue;
          }
          if (existing) {
            this.proxies.delete(input.name);
            await existing.stop();
            this.deps.events.emit('proxy-deleted', { proxy: input.name, reason: 'populate replaced it' });
          }
          done.push(await this.addNow(input));
        } catch (err) {
          if (err instanceof LabError) throw new PopulateError(err, done);
          throw err;
        }
      }
      return done;
    });
  }

  /** Enables every proxy and removes every toxic (POST /reset). */
  reset(): Promise<void> {
    return this.serially(async () => {
      for (const proxy of this.proxies.values()) {
        const wasEnabled = proxy.enabled;
        await proxy.start();
        if (!wasEnabled) this.deps.events.emit('proxy-enabled', { proxy: proxy.name });
        proxy.toxics.reset();
      }
      this.deps.events.emit('reset', { proxies: this.proxies.size });
    });
  }

  /** Stops every proxy (shutdown). */
  clear(): Promise<void> {
    return this.serially(async () => {
      const all = [...this.proxies.values()];
      this.proxies.clear();
      await Promise.all(all.map((p) => p.stop()));
    });
  }

  state() {
    return { seed: this.deps.seed, proxies: this.list().map((p) => p.state()) };
  }

  private async addNow(input: NewProxy): Promise<AnyProxy> {
    if (this.proxies.has(input.name)) throw proxyAlreadyExists(input.name);
    const { log, clock, connectTimeoutMs, linkBufferBytes, events } = this.deps;
    const name = input.name;
    const deps = {
      log,
      clock,
      metrics: this.metrics,
      random: new Random(proxySeed(this.deps.seed, name)),
      connectTimeoutMs,
      linkBufferBytes,
      udpIdleMs: this.deps.udpIdleMs ?? 60_000,
      onToxicChange: (event: ToxicEvent, toxic: { toJSON(): object }) => events.emit(event, { proxy: name, ...toxic.toJSON() }),
    };
    const proxy = input.protocol === 'udp' ? new UdpProxy(input, deps) : new Proxy(input, deps);
    if (input.enabled ?? true) await proxy.start();
    this.proxies.set(name, proxy);
    events.emit('proxy-created', { proxy: name, listen: proxy.listen, upstream: proxy.upstream, protocol: proxy.protocol, enabled: proxy.enabled });
    return proxy;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** Each proxy gets its own stream from the seed and its name, so adding a proxy doesn't shift the others. */
export function proxySeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}
