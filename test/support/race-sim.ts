// An in-process model of the DNS control plane for tests and tuning: the real dns-server Zone, real
// Enactors and a planner that publishes on an interval, all on a ManualClock, with a per-enactor link
// latency standing in for the fault proxy. Virtual time makes a minute of the race take milliseconds.
import { ManualClock } from '../../lib/clock.js';
import { ChangeRejected, type Change, type RecordSet } from '../../lib/dns-control.js';
import { LabError } from '../../lib/errors.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import type { Plan, PlanTarget } from '../../lib/plans.js';
import { Random } from '../../lib/random.js';
import { Enactor, type DnsApi, type EnactorOptions, type PlanSource } from '../../services/dns-enactor/enactor.js';
import { Zone } from '../../services/dns-server/zone.js';
import { enactorConfig, enactorOptions } from '../../services/dns-enactor/config.js';
import { parseConfig } from '../../lib/config.js';
import { inWorkers } from './workers.js';

export const ENDPOINT = 'kv.us-east-1.lab.internal';
export const TARGETS: PlanTarget[] = [
  { id: 'kv-1', address: '10.0.0.11', weight: 255 },
  { id: 'kv-2', address: '10.0.0.12', weight: 255 },
  { id: 'kv-3', address: '10.0.0.13', weight: 255 },
];

export class MemoryPlans implements PlanSource {
  plans: Plan[] = [];
  applied = new Map<string, number>();
  constructor(private readonly clock: ManualClock) {}
  endpointNames: string[] = [ENDPOINT];
  publish(targets: PlanTarget[] = TARGETS): Plan {
    const endpoints = Object.fromEntries(this.endpointNames.map((e) => [e, targets]));
    const plan = { generation: this.plans.length + 1, createdAt: this.clock.now(), reason: 'test', endpoints };
    this.plans.push(plan);
    return plan;
  }
  async latest() {
    return this.plans.at(-1) ?? null;
  }
  async appliedGeneration(endpoint: string) {
    return this.applied.get(endpoint) ?? 0;
  }
  async recordApplied(endpoint: string, generation: number) {
    this.applied.set(endpoint, generation);
  }
}

/** The control API over a Zone, with each request delayed on the way in and the answer on the way out. */
export class ZoneLink implements DnsApi {
  latencyMs = 0;
  jitterMs = 0;
  constructor(
    private readonly zone: Zone,
    private readonly clock: ManualClock,
    private readonly random = new Random(7),
  ) {}
  private delay(): Promise<void> {
    const jitter = this.jitterMs ? (this.random.next() * 2 - 1) * this.jitterMs : 0;
    return this.clock.sleep(this.latencyMs + jitter);
  }
  async change(changes: Change[]) {
    await this.delay();
    try {
      return this.zone.apply(changes);
    } catch (err) {
      if (err instanceof LabError) throw new ChangeRejected(err.statusCode, err.code, err.message);
      throw err;
    } finally {
      await this.delay();
    }
  }
  async records(query: { name?: string; suffix?: string }): Promise<RecordSet[]> {
    await this.delay();
    const records = this.zone.list(query).map((r) => ({ ...r }) as RecordSet);
    await this.delay();
    return records;
  }
}

/** The enactor's real defaults (services/dns-enactor/config.ts), for one enactor. */
export const defaultEnactorOptions = (id: string, fix: boolean): EnactorOptions => ({
  ...enactorOptions(parseConfig(enactorConfig, { LAB_ADMIN_TOKEN: 'sim' })),
  id,
  fix,
});

export interface Lab {
  clock: ManualClock;
  zone: Zone;
  plans: MemoryPlans;
  links: Record<string, ZoneLink>;
  enactors: Record<string, Enactor>;
  events: Record<string, EventLog>;
  /** Addresses a query for the endpoint resolves to right now (through the alias). */
  addresses(): string[];
  stop(): void;
}

export function createLab(opts: { fix: boolean; seed: number; enactor?: Partial<EnactorOptions> }): Lab {
  const clock = new ManualClock(1_000_000);
  const zone = new Zone({ origin: 'lab.internal', negativeTtl: 5 });
  const plans = new MemoryPlans(clock);
  const random = new Random(opts.seed);
  const links: Record<string, ZoneLink> = {};
  const enactors: Record<string, Enactor> = {};
  const events: Record<string, EventLog> = {};
  for (const id of ['az-a', 'az-b', 'az-c']) {
    links[id] = new ZoneLink(zone, clock, random.fork());
    events[id] = new EventLog(100000, () => clock.now());
    enactors[id] = new Enactor(
      { ...defaultEnactorOptions(id, opts.fix), ...opts.enactor },
      plans,
      links[id],
      clock,
      random.fork(),
      events[id],
      silentLogger(),
    );
  }
  const addresses = () => {
    const alias = zone.list({ name: ENDPOINT }).find((r) => r.type === 'ALIAS');
    if (!alias?.target) return [];
    return zone.list({ name: alias.target }).filter((r) => r.type === 'A').flatMap((r) => r.values ?? []);
  };
  return { clock, zone, plans, links, enactors, events, addresses, stop: () => Object.values(enactors).forEach((e) => e.stop()) };
}

export interface RaceOptions {
  fix: boolean;
  seed: number;
  planIntervalMs: number;
  slowLatencyMs: number;
  slowJitterMs?: number;
  /** Later changes of the slowed link's latency: [ms after the fault began, latency]. */
  slowLatencySchedule?: [number, number][];
  /** Endpoints in every plan; the regional kv endpoint (the one watched) is always last. */
  extraEndpoints?: string[];
  durationMs: number;
  fastLatencyMs?: number;
  /** Every this many ms the planner publishes `burstSize` generations in quick succession (capacity churn). */
  burstEveryMs?: number;
  burstSize?: number;
  enactor?: Partial<EnactorOptions>;
}

/**
 * Runs the lab in virtual time: the planner publishes every `planIntervalMs`, enactors run their loops,
 * the slow enactor's link gets `slowLatencyMs` from `faultFrom` on. Returns when the endpoint went empty
 * (time in ms since the fault) or null when it held for `durationMs`.
 */
export async function runRace(opts: RaceOptions): Promise<{ emptyAfterMs: number | null; lab: Lab }> {
  const lab = createLab(opts);
  lab.plans.endpointNames = [...(opts.extraEndpoints ?? []), ENDPOINT];
  for (const link of Object.values(lab.links)) link.latencyMs = opts.fastLatencyMs ?? 2;
  lab.plans.publish();
  for (const e of Object.values(lab.enactors)) void e.run();
  const step = 10;
  let sincePlan = 0;
  // warm up: the endpoint must be served before the fault
  for (let t = 0; t < 3000; t += step) {
    await lab.clock.advance(step);
    sincePlan += step;
    if (sincePlan >= opts.planIntervalMs) {
      lab.plans.publish();
      sincePlan = 0;
    }
  }
  if (lab.addresses().length === 0) throw new Error('endpoint not served before the fault');
  (lab.links['az-a'] as ZoneLink).latencyMs = opts.slowLatencyMs;
  (lab.links['az-a'] as ZoneLink).jitterMs = opts.slowJitterMs ?? 0;
  let emptyAfterMs: number | null = null;
  let burstLeft = 0;
  for (let t = 0; t < opts.durationMs; t += step) {
    await lab.clock.advance(step);
    sincePlan += step;
    if (opts.burstEveryMs && t % opts.burstEveryMs === 0) burstLeft = opts.burstSize ?? 0;
    for (const [at, latency] of opts.slowLatencySchedule ?? []) if (t === at) (lab.links['az-a'] as ZoneLink).latencyMs = latency;
    if (burstLeft > 0) {
      lab.plans.publish();
      burstLeft--;
    }
    if (sincePlan >= opts.planIntervalMs) {
      lab.plans.publish();
      sincePlan = 0;
    }
    if (lab.addresses().length === 0) {
      emptyAfterMs = t;
      break;
    }
  }
  return { emptyAfterMs, lab };
}

/** `ms` of virtual time with the planner publishing every 250 ms, as after a race. */
export async function publishFor(lab: Lab, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 250) {
    lab.plans.publish();
    await lab.clock.advance(250);
  }
}

/** A race as plain data, for tests that run it in a worker thread (runRaces). */
export interface RaceOutcome {
  emptyAfterMs: number | null;
  /** The endpoint's addresses at the end (after `afterMs` without the fault, when given). */
  addresses: string[];
  /** Each enactor's counters (Enactor.stats) at the end. */
  stats: Record<string, Enactor['stats']>;
  /** Records in the zone at the end. */
  zoneSize: number;
}

/** A race, and how long it goes on without the fault afterwards, if at all (raceOutcome). */
export type RaceRun = RaceOptions & { afterMs?: number };

/**
 * runRace, then, if `afterMs` is given, that long with the fault gone (the slowed link back to 2 ms) and
 * the planner publishing every 250 ms; the lab stopped.
 */
export async function raceOutcome(opts: RaceRun): Promise<RaceOutcome> {
  const { emptyAfterMs, lab } = await runRace(opts);
  try {
    if (opts.afterMs !== undefined) {
      lab.links['az-a']!.latencyMs = 2;
      await publishFor(lab, opts.afterMs);
    }
    const stats = Object.fromEntries(Object.entries(lab.enactors).map(([id, e]) => [id, { ...e.stats }]));
    return { emptyAfterMs, addresses: lab.addresses(), stats, zoneSize: lab.zone.size };
  } finally {
    lab.stop();
  }
}

/** Several races side by side, each in a worker thread of its own; the outcomes in the order of `runs`. */
export const runRaces = (runs: RaceRun[]) => inWorkers<RaceRun, RaceOutcome>(import.meta.url, 'raceOutcome', runs);
