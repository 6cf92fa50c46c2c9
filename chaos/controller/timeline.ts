// The lab's timeline: every interval the controller samples each service's /lab/state and new
// /lab/events, the loadgen's per-second series and what the kv endpoint's name resolves to, into one
// bounded list of compact samples. A run fetches its window of it for the journal and the report's
// charts. A service that is down or slow costs one null in its series, never a stalled sampler.
import { z } from 'zod';
import type { Clock } from '../../lib/clock.js';
import { stateEnvelope, type LabEvent } from '../../lib/contract.js';
import { Loop } from '../../lib/loop.js';
import type { LauncherState } from '../../services/launcher/state.js';
import type { NlbState } from '../../services/nlb/state.js';
import type { LoadgenState } from '../../loadgen/state.js';
import { STATE_SCHEMAS } from '../contracts.js';
import type { LabService, Topology } from '../topology.js';
import type { LabApp } from '../../lib/http.js';
import { withDeadline } from '../../lib/deadline.js';

type Source =
  | { source: 'customer'; label: string }
  | { source: 'dns'; label: string }
  | { source: 'ec2'; label: string; read: (s: LauncherState) => number | null }
  | { source: 'nlb-checker'; label: string; read: (s: NlbState) => number | null }
  | { source: 'nlb-rounds'; label: string; read: (rounds: CheckerRound[]) => number | null }
  | { source: 'nlb-traffic'; label: string; read: (traffic: NlbFailureCounts) => number };

type NlbTraffic = NlbState['traffic'];

/** The NLB nodes' failed requests since the previous sample. */
interface NlbFailureCounts {
  /** Refused by a node itself: at its capacity, or with no target in service. */
  refused: number;
  /** Forwarded to a target that failed them. */
  targetErrors: number;
}

type CheckerRound = Extract<NlbState, { isChecker: true }>['rounds'][number];

const checker = (read: (s: Extract<NlbState, { isChecker: true }>) => number) => (s: NlbState) => (s.isChecker ? read(s) : null);

/** The numeric series every sample carries, where each comes from and what the report calls it. */
export const SERIES = {
  customerRequests: { source: 'customer', label: 'customer requests' },
  customerSuccessRate: { source: 'customer', label: 'customer success rate' },
  customerP99Ms: { source: 'customer', label: 'customer p99 latency (ms)' },
  kvAddresses: { source: 'dns', label: 'addresses in the kv endpoint' },
  dwfmLeased: { source: 'ec2', label: 'leased droplets', read: (s) => s.dwfm.leased },
  dwfmDroplets: { source: 'ec2', label: 'droplets', read: (s) => s.dwfm.droplets },
  dwfmQueueDepth: { source: 'ec2', label: 'DWFM queue depth', read: (s) => s.dwfm.queue.depth },
  dwfmTimeouts: { source: 'ec2', label: 'DWFM work timeouts (cumulative)', read: (s) => s.dwfm.queue.timeouts },
  networkBacklog: { source: 'ec2', label: 'network-manager backlog', read: (s) => s.network.backlog },
  networkP99Ms: { source: 'ec2', label: 'network propagation p99 (ms)', read: (s) => s.network.latencyMs.p99 },
  nlbHealthyCapacity: { source: 'nlb-checker', label: 'NLB healthy capacity', read: checker((s) => s.healthyCapacity) },
  nlbFlaps: { source: 'nlb-checker', label: 'NLB flaps (cumulative)', read: checker((s) => s.totals.flaps) },
  nlbLateChecks: { source: 'nlb-checker', label: 'NLB late checks (cumulative)', read: checker((s) => s.totals.lateChecks) },
  /** Of the checker's rounds since the previous sample: a run's largest is what velocity control caps. */
  nlbRemovedShare: {
    source: 'nlb-rounds',
    label: 'largest share of NLB capacity one health-check round removed',
    read: (rounds) => rounds.reduce((max, r) => Math.max(max, r.removedShare), 0),
  },
  /**
   * Where the customers' failed requests since the previous sample went wrong at the NLB: their name had no
   * NLB node (failover took every node out of DNS), the NLB refused them itself (the node at its capacity,
   * or no target in service), or it forwarded them to a target that failed them (an instance whose network
   * state has not arrived). The first two are capacity the NLB removed, what velocity control is for.
   */
  customerDnsErrors: { source: 'customer', label: 'customer requests whose name did not resolve' },
  nlbRefused: { source: 'nlb-traffic', label: 'requests the NLB refused (at capacity, no target in service)', read: (t) => t.refused },
  nlbTargetErrors: { source: 'nlb-traffic', label: 'requests the NLB forwarded to a target that failed them', read: (t) => t.targetErrors },
} as const satisfies Record<string, Source>;

export type SeriesName = keyof typeof SERIES;
export const SERIES_NAMES = Object.keys(SERIES) as SeriesName[];

export const timelineEventSchema = z.object({ service: z.string(), time: z.number(), type: z.string(), data: z.record(z.string(), z.unknown()) });
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const timelineSampleSchema = z.object({
  t: z.number(),
  events: z.array(timelineEventSchema),
  eventsDropped: z.number().int().optional(),
  ...(Object.fromEntries(SERIES_NAMES.map((name) => [name, z.number().nullable()])) as Record<SeriesName, z.ZodNullable<z.ZodNumber>>),
});
export type TimelineSample = z.infer<typeof timelineSampleSchema>;

/** GET /api/timeline: the samples of a window, and what each series is. */
export const timelineResponseSchema = z.object({
  intervalMs: z.number(),
  series: z.record(z.string(), z.object({ source: z.string(), label: z.string() })),
  samples: z.array(timelineSampleSchema),
});

/** Where the sampler reads from: the controller's own service directory, or the controller's API from the CLI. */
export interface TimelineSources {
  /** The lab's services and roles (the checker NLB node). */
  topology(): Topology | Promise<Topology>;
  /** A service's `/lab/state` `.state`, as it answered; rejects when the service is down. */
  state(service: LabService): Promise<unknown>;
  events(service: LabService, since: number): Promise<{ events: LabEvent[]; next: number }>;
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

function emptySample(t: number): TimelineSample {
  const sample = { t, events: [] } as unknown as TimelineSample;
  for (const name of SERIES_NAMES) sample[name] = null;
  return sample;
}

/**
 * The items of a service's history after `cursor` (by `seq`); on first contact (a cursor below 0) only the
 * newest, not the history from before the sampler (or before the service restarted, which resets it).
 */
function newerThan<T>(items: T[], seq: (item: T) => number, cursor: number): T[] {
  return cursor < 0 ? items.slice(-1) : items.filter((item) => seq(item) > cursor);
}

export class Timeline {
  readonly samples: TimelineSample[] = [];
  private readonly cursors = new Map<string, number>();
  private loadgenSecond = -1;
  private loadgenUptime = 0;
  private canaryBefore: { requests: number; successes: number } | null = null;
  /** Each NLB node's traffic counters at the previous sample. */
  private nlbTraffic = new Map<string, NlbTraffic>();
  /** The last health-check round a sample has counted (the checker's numbers; -1 before the first). */
  private checkerRound = -1;
  private readonly loop: Loop;
  private readonly startedAt: number;
  private readonly listeners = new Set<(sample: TimelineSample) => void>();

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

  /** Calls `listener` with every sample as it is taken (the live stream's one producer); returns its unsubscribe. */
  onSample(listener: (sample: TimelineSample) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Samples taken at or after `since` (ms epoch), oldest first. */
  since(since = 0, until = Number.POSITIVE_INFINITY): TimelineSample[] {
    return this.samples.filter((s) => s.t >= since && s.t <= until);
  }

  /** One sample of everything; never throws. */
  async sampleOnce(): Promise<TimelineSample> {
    const sample = emptySample(this.clock.now());
    const topology = await this.bounded(Promise.resolve(this.sources.topology())).catch(() => null);
    const services = topology?.services ?? [];
    const launcher = topology?.ofKind('ec2')[0];
    const loadgen = topology?.ofKind('loadgen')[0];
    const nlbChecker = topology?.byRole('nlb-checker');
    const stateOf = async <S extends z.ZodType>(service: LabService | undefined, schema: S): Promise<z.output<S> | null> => {
      if (!service) return null;
      const raw = await this.bounded(this.sources.state(service)).catch(() => undefined);
      const parsed = schema.safeParse(raw);
      return parsed.success ? parsed.data : null;
    };
    // Every NLB node's state, once: the checker's health-check series and every node's traffic.
    const nlbs = topology?.ofKind('nlb') ?? [];
    const [launcherState, loadgenState, nlbStates] = await Promise.all([
      stateOf(launcher, STATE_SCHEMAS.ec2),
      stateOf(loadgen, STATE_SCHEMAS.loadgen),
      Promise.all(nlbs.map(async (node) => [node.name, await stateOf(node, STATE_SCHEMAS.nlb)] as const)),
      this.bounded(this.sources.kvAddresses()).then(
        (n) => (sample.kvAddresses = n),
        () => undefined,
      ),
      ...services.map(async (service) => {
        const name = service.name;
        const got = await this.bounded(this.sources.events(service, this.cursors.get(name) ?? 0)).catch(() => null);
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
    const checkerState = nlbStates.find(([name]) => name === nlbChecker?.name)?.[1] ?? null;
    const traffic = this.freshTraffic(nlbStates.map(([name, state]) => [name, state?.traffic ?? null]));
    for (const name of SERIES_NAMES) {
      const series: Source = SERIES[name];
      if (series.source === 'nlb-traffic' && traffic) sample[name] = series.read(traffic);
      if (series.source === 'ec2' && launcherState) sample[name] = series.read(launcherState);
      if (series.source === 'nlb-checker' && checkerState) sample[name] = series.read(checkerState);
      if (series.source === 'nlb-rounds' && checkerState?.isChecker) sample[name] = series.read(this.freshRounds(checkerState.rounds));
    }
    if (loadgenState) this.customerFromLoadgen(sample, loadgenState);
    else if (this.sources.canary) this.customerFromCanary(sample, this.sources.canary());
    const limit = this.opts.eventsPerSample ?? 100;
    if (sample.events.length > limit) {
      sample.eventsDropped = sample.events.length - limit;
      sample.events.sort((a, b) => a.time - b.time).splice(limit);
    }
    this.samples.push(sample);
    if (this.samples.length > this.opts.capacity) this.samples.splice(0, this.samples.length - this.opts.capacity);
    for (const listener of this.listeners) listener(sample);
    return sample;
  }

  /** The loadgen's seconds closed since the previous sample, folded into one point. */
  private customerFromLoadgen(sample: TimelineSample, state: LoadgenState): void {
    const series = state.series;
    const uptime = state.uptimeMs;
    if (uptime < this.loadgenUptime) this.loadgenSecond = -1; // it restarted: its seconds count from 0 again
    this.loadgenUptime = uptime;
    const fresh = newerThan(series, (x) => x.t, this.loadgenSecond);
    if (fresh.length === 0) return;
    this.loadgenSecond = fresh.at(-1)!.t;
    const requests = fresh.reduce((n, x) => n + x.requests, 0);
    const successes = fresh.reduce((n, x) => n + x.successes, 0);
    const p99s = fresh.map((x) => x.p99).filter((x): x is number => typeof x === 'number');
    sample.customerRequests = requests;
    sample.customerDnsErrors = fresh.reduce((n, x) => n + (x.errorsByKind.dns ?? 0), 0);
    sample.customerSuccessRate = requests > 0 ? successes / requests : null;
    sample.customerP99Ms = p99s.length ? Math.max(...p99s) : null;
  }

  /**
   * The NLB nodes' traffic since the previous sample, summed over the nodes that answered (null when none
   * did). A node seen for the first time counts from now; one whose counters went back (it restarted) from 0.
   */
  private freshTraffic(nodes: (readonly [string, NlbTraffic | null])[]): NlbFailureCounts | null {
    const sum: NlbFailureCounts = { refused: 0, targetErrors: 0 };
    let answered = 0;
    for (const [name, now] of nodes) {
      if (!now) continue;
      answered++;
      const last = this.nlbTraffic.get(name) ?? now;
      const since = now.requests < last.requests ? { overloaded: 0, noTargets: 0, upstreamErrors: 0 } : last;
      this.nlbTraffic.set(name, now);
      sum.refused += now.overloaded - since.overloaded + now.noTargets - since.noTargets;
      sum.targetErrors += now.upstreamErrors - since.upstreamErrors;
    }
    return answered > 0 ? sum : null;
  }

  /** The checker's rounds since the previous sample (on first contact, or after a restart, only the newest). */
  private freshRounds(rounds: CheckerRound[]): CheckerRound[] {
    const newest = rounds.at(-1)?.round ?? this.checkerRound;
    if (newest < this.checkerRound) this.checkerRound = -1; // it restarted: its rounds count from 0 again
    const fresh = newerThan(rounds, (r) => r.round, this.checkerRound);
    this.checkerRound = newest;
    return fresh;
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
    return withDeadline(promise, this.opts.timeoutMs ?? Math.max(100, this.opts.intervalMs));
  }
}

const timelineQuery = z.object({ since: z.coerce.number().int().min(0).optional(), until: z.coerce.number().int().min(0).optional() }).strict();

/** GET /api/timeline?since=<ms epoch>&until=<ms epoch>: the samples in that window. */
export function registerTimelineRoutes(app: LabApp, timeline: Timeline): void {
  app.get('/api/timeline', { onRequest: app.facilitatorRead, schema: { querystring: timelineQuery, response: { 200: timelineResponseSchema } } }, async (req) => ({
    intervalMs: timeline.opts.intervalMs,
    series: Object.fromEntries(SERIES_NAMES.map((name) => [name, { source: SERIES[name].source, label: SERIES[name].label }])),
    samples: timeline.since(req.query.since ?? 0, req.query.until ?? Number.POSITIVE_INFINITY),
  }));
}

/** The controller's own view: each service directly, and the kv endpoint through the lab's DNS server. */
export function directorySources(
  directory: { topology(): Topology | Promise<Topology>; get(ref: LabService, path: string, timeoutMs?: number): Promise<{ status: number; body: unknown }> },
  kvAddresses: () => Promise<number>,
  canary?: () => { requests: number; successes: number },
  /** Each request's budget, below the sampling interval so one dead service never delays a sample. */
  timeoutMs?: number,
): TimelineSources {
  const get = async (ref: LabService, path: string) => {
    const res = await directory.get(ref, path, timeoutMs);
    if (res.status !== 200) throw new Error(`${ref.name} ${path}: HTTP ${res.status}`);
    return res.body;
  };
  const envelope = stateEnvelope(z.unknown());
  return {
    topology: () => directory.topology(),
    state: async (ref) => envelope.parse(await get(ref, '/lab/state')).state,
    events: async (ref, since) => (await get(ref, `/lab/events?since=${since}&limit=500`)) as { events: LabEvent[]; next: number },
    kvAddresses,
    canary,
  };
}
