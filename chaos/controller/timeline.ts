// The lab's timeline: every interval the controller samples each service's /lab/state and new
// /lab/events, the loadgen's per-second series and what the kv endpoint's name resolves to, into one
// bounded list of compact samples. A run fetches its window of it for the journal and the report's
// charts. A service that is down or slow costs one null in its series, never a stalled sampler.
import { valueAt } from '../../lib/value-at.js';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/clock.js';
import type { LabEvent } from '../../lib/events.js';
import { Loop } from '../../lib/loop.js';

/** The numeric series every sample carries, where each comes from and what the report calls it. */
export const SERIES = {
  customerRequests: { service: 'loadgen', label: 'customer requests' },
  customerSuccessRate: { service: 'loadgen', label: 'customer success rate' },
  customerP99Ms: { service: 'loadgen', label: 'customer p99 latency (ms)' },
  kvAddresses: { service: 'dns', label: 'addresses in the kv endpoint' },
  dwfmLeased: { service: 'launcher', path: 'dwfm.leased', label: 'leased droplets' },
  dwfmDroplets: { service: 'launcher', path: 'dwfm.droplets', label: 'droplets' },
  dwfmQueueDepth: { service: 'launcher', path: 'dwfm.queue.depth', label: 'DWFM queue depth' },
  dwfmTimeouts: { service: 'launcher', path: 'dwfm.queue.timeouts', label: 'DWFM work timeouts (cumulative)' },
  networkBacklog: { service: 'launcher', path: 'network.backlog', label: 'network-manager backlog' },
  networkP99Ms: { service: 'launcher', path: 'network.latencyMs.p99', label: 'network propagation p99 (ms)' },
  nlbHealthyCapacity: { service: 'nlb-az-a', path: 'healthyCapacity', label: 'NLB healthy capacity' },
  nlbFlaps: { service: 'nlb-az-a', path: 'totals.flaps', label: 'NLB flaps (cumulative)' },
  nlbLateChecks: { service: 'nlb-az-a', path: 'totals.lateChecks', label: 'NLB late checks (cumulative)' },
} as const satisfies Record<string, { service: string; path?: string; label: string }>;

export type SeriesName = keyof typeof SERIES;

export interface TimelineEvent {
  service: string;
  time: number;
  type: string;
  data: Record<string, unknown>;
}

export type TimelineSample = { t: number; events: TimelineEvent[]; eventsDropped?: number } & Record<SeriesName, number | null>;

/** Where the sampler reads from: the controller's own service directory, or the controller's API from the CLI. */
export interface TimelineSources {
  services(): string[] | Promise<string[]>;
  /** A service's `/lab/state` `.state`; rejects when the service is down. */
  state(service: string): Promise<unknown>;
  events(service: string, since: number): Promise<{ events: LabEvent[]; next: number }>;
  /** How many addresses the kv endpoint's name resolves to right now. */
  kvAddresses(): Promise<number>;
  /** The controller canary's cumulative counts: the customer series when there is no loadgen. */
  canary?(): { requests: number; successes: number };
}

export interface TimelineOptions {
  intervalMs: number;
  /** Samples kept; older ones are dropped. */
  capacity: number;
  /** Events kept per sample; the rest are counted in eventsDropped. */
  eventsPerSample?: number;
  /** Budget for one source in one sample; slower answers count as null. */
  timeoutMs?: number;
}

interface LoadgenSecond {
  t: number;
  requests: number;
  successes: number;
  p99: number | null;
}

const at = (value: unknown, path: string): number | null => {
  const v = valueAt(value, path);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

function emptySample(t: number): TimelineSample {
  const sample = { t, events: [] } as unknown as TimelineSample;
  for (const name of Object.keys(SERIES) as SeriesName[]) sample[name] = null;
  return sample;
}

export class Timeline {
  readonly samples: TimelineSample[] = [];
  private readonly cursors = new Map<string, number>();
  private loadgenSecond = -1;
  private loadgenUptime = 0;
  private canaryBefore: { requests: number; successes: number } | null = null;
  private readonly loop: Loop;
  private readonly startedAt: number;

  constructor(
    private readonly sources: TimelineSources,
    private readonly clock: Clock,
    readonly opts: TimelineOptions,
  ) {
    this.startedAt = clock.now();
    // A sample every interval from the start of the previous one: a slow sample does not stretch the series.
    this.loop = new Loop({ clock, intervalMs: () => this.opts.intervalMs, from: 'start' });
  }

  start(): void {
    void this.loop.run(() => this.sampleOnce());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Samples taken at or after `since` (ms epoch), oldest first. */
  since(since = 0, until = Number.POSITIVE_INFINITY): TimelineSample[] {
    return this.samples.filter((s) => s.t >= since && s.t <= until);
  }

  /** One sample of everything; never throws. */
  async sampleOnce(): Promise<TimelineSample> {
    const sample = emptySample(this.clock.now());
    const names = await this.bounded(Promise.resolve(this.sources.services())).catch(() => [] as string[]);
    const wanted = new Set<string>(Object.values(SERIES).map((s) => s.service));
    const states = new Map<string, unknown>();
    await Promise.all([
      ...names
        .filter((n) => wanted.has(n))
        .map(async (name) => {
          const state = await this.bounded(this.sources.state(name)).catch(() => undefined);
          if (state !== undefined) states.set(name, state);
        }),
      this.bounded(this.sources.kvAddresses()).then(
        (n) => (sample.kvAddresses = n),
        () => undefined,
      ),
      ...names.map(async (name) => {
        const got = await this.bounded(this.sources.events(name, this.cursors.get(name) ?? 0)).catch(() => null);
        if (!got) return;
        const first = !this.cursors.has(name);
        this.cursors.set(name, got.next);
        for (const e of got.events) {
          // On first contact a service hands over its whole ring: keep only what happened since we started.
          if (first && e.time < this.startedAt) continue;
          sample.events.push({ service: name, time: e.time, type: e.type, data: e.data });
        }
      }),
    ]);
    for (const [name, series] of Object.entries(SERIES) as [SeriesName, (typeof SERIES)[SeriesName]][]) {
      if ('path' in series && states.has(series.service)) sample[name] = at(states.get(series.service), series.path);
    }
    if (states.has('loadgen')) this.customerFromLoadgen(sample, states.get('loadgen'));
    else if (this.sources.canary) this.customerFromCanary(sample, this.sources.canary());
    const limit = this.opts.eventsPerSample ?? 100;
    if (sample.events.length > limit) {
      sample.eventsDropped = sample.events.length - limit;
      sample.events.sort((a, b) => a.time - b.time).splice(limit);
    }
    this.samples.push(sample);
    if (this.samples.length > this.opts.capacity) this.samples.splice(0, this.samples.length - this.opts.capacity);
    return sample;
  }

  /** The loadgen's seconds closed since the previous sample, folded into one point. */
  private customerFromLoadgen(sample: TimelineSample, state: unknown): void {
    const s = state as { uptimeMs?: number; series?: LoadgenSecond[] } | null;
    const series = Array.isArray(s?.series) ? s.series : [];
    const uptime = typeof s?.uptimeMs === 'number' ? s.uptimeMs : 0;
    if (uptime < this.loadgenUptime) this.loadgenSecond = -1; // it restarted: its seconds count from 0 again
    this.loadgenUptime = uptime;
    // On first contact only the newest second counts, not the minute of history before the sampler.
    const fresh = this.loadgenSecond < 0 ? series.slice(-1) : series.filter((x) => x.t > this.loadgenSecond);
    if (fresh.length === 0) return;
    this.loadgenSecond = fresh.at(-1)!.t;
    const requests = fresh.reduce((n, x) => n + x.requests, 0);
    const successes = fresh.reduce((n, x) => n + x.successes, 0);
    const p99s = fresh.map((x) => x.p99).filter((x): x is number => typeof x === 'number');
    sample.customerRequests = requests;
    sample.customerSuccessRate = requests > 0 ? successes / requests : null;
    sample.customerP99Ms = p99s.length ? Math.max(...p99s) : null;
  }

  private customerFromCanary(sample: TimelineSample, now: { requests: number; successes: number }): void {
    const before = this.canaryBefore;
    this.canaryBefore = { ...now };
    if (!before) return;
    const requests = now.requests - before.requests;
    sample.customerRequests = requests;
    sample.customerSuccessRate = requests > 0 ? (now.successes - before.successes) / requests : null;
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    const ms = this.opts.timeoutMs ?? Math.max(100, this.opts.intervalMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // Real time on purpose: a stuck socket does not advance a manual clock either.
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}

/** GET /api/timeline?since=<ms epoch>&until=<ms epoch>: the samples in that window. */
export function registerTimelineRoutes(app: FastifyInstance, timeline: Timeline): void {
  app.get<{ Querystring: { since?: number; until?: number } }>(
    '/api/timeline',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { since: { type: 'integer', minimum: 0 }, until: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req) => ({
      intervalMs: timeline.opts.intervalMs,
      series: SERIES,
      samples: timeline.since(req.query.since ?? 0, req.query.until ?? Number.POSITIVE_INFINITY),
    }),
  );
}

/** The controller's own view: each service directly, and the kv endpoint through the lab's DNS server. */
export function directorySources(
  directory: { services: { name: string }[]; find(name: string): { name: string; url: string } | undefined; get(ref: { name: string; url: string }, path: string): Promise<{ status: number; body: unknown }> },
  kvAddresses: () => Promise<number>,
  canary?: () => { requests: number; successes: number },
): TimelineSources {
  const get = async (name: string, path: string) => {
    const ref = directory.find(name);
    if (!ref) throw new Error(`no lab service ${name}`);
    const res = await directory.get(ref, path);
    if (res.status !== 200) throw new Error(`${name} ${path}: HTTP ${res.status}`);
    return res.body as Record<string, unknown>;
  };
  return {
    services: () => directory.services.map((s) => s.name),
    state: async (name) => (await get(name, '/lab/state')).state,
    events: async (name, since) => (await get(name, `/lab/events?since=${since}&limit=500`)) as unknown as { events: LabEvent[]; next: number },
    kvAddresses,
    canary,
  };
}
