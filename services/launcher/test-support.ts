// Fakes for the launcher's tests, in virtual time: a kv store whose latency grows with the requests it is
// serving, and droplet hosts that record what they were asked.
import type { Clock } from '../../lib/clock.js';
import { ConditionFailed, DnsFailure, type KvItem } from '../../lib/kv-client.js';
import type { LeaseRecord, LeaseStore } from './lease.js';
import type { DropletHosts } from './droplet-hosts.js';

/**
 * latency = baseMs + perInFlightMs × (requests in flight when it arrives). Like a real server, it keeps
 * working on a request whose client gave up: the abandoned request still counts in flight until done.
 * `dnsDown` makes every request fail the way an empty endpoint does, before anything is sent.
 */
export class FakeKv implements LeaseStore {
  readonly items = new Map<string, KvItem<LeaseRecord>>();
  dnsDown = false;
  inFlight = 0;
  served = 0;
  constructor(
    private readonly clock: Clock,
    public baseMs = 20,
    public perInFlightMs = 3,
  ) {}

  private async serve<T>(work: () => T, signal?: AbortSignal): Promise<T> {
    if (this.dnsDown) throw new DnsFailure('ENODATA', 'kv.us-east-1.lab.internal');
    signal?.throwIfAborted();
    const latency = this.baseMs + this.perInFlightMs * this.inFlight;
    this.inFlight++;
    const server = this.clock.sleep(latency).then(() => {
      this.inFlight--;
      this.served++;
      return work();
    });
    if (!signal) return server;
    server.catch(() => undefined);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      server.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  get(key: string, opts: { signal?: AbortSignal } = {}) {
    return this.serve(() => this.items.get(key) ?? null, opts.signal);
  }

  put(key: string, value: LeaseRecord, opts: { expectedVersion?: number; signal?: AbortSignal } = {}) {
    return this.serve(() => {
      const current = this.items.get(key)?.version ?? 0;
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) throw new ConditionFailed(key, current);
      this.items.set(key, { key, value, version: current + 1 });
      return { version: current + 1 };
    }, opts.signal);
  }
}

export class FakeDroplets implements DropletHosts {
  checks = 0;
  created: { az: string; id: string; dropletId: string }[] = [];
  networked: string[] = [];
  terminated: string[] = [];
  failCreate = false;
  private nextPort = 20000;
  constructor(
    private readonly clock: Clock,
    public checkMs = 10,
    public networkMs = 5,
  ) {}
  async check(_az: string, _dropletId: string, signal?: AbortSignal) {
    this.checks++;
    await this.clock.sleep(this.checkMs, signal);
  }
  async create(az: string, id: string, dropletId: string) {
    if (this.failCreate) throw new Error('droplet host refused');
    this.created.push({ az, id, dropletId });
    return { host: `droplet-${az}`, port: this.nextPort++ };
  }
  async configureNetwork(_az: string, id: string) {
    await this.clock.sleep(this.networkMs);
    this.networked.push(id);
  }
  async terminate(_az: string, id: string) {
    this.terminated.push(id);
  }
}
