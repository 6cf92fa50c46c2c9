// What each activity does against the running lab. Probes return a value that tolerances are checked
// on; actions change the lab, and every fault they inject is recorded so it can be removed again.
import type { Clock } from '../../lib/clock.js';
import { faultKind, validParams } from '../faults/catalogue.js';
import type { LabClient } from '../lab-client.js';
import { valueAt } from '../../lib/value-at.js';
import { durationMs, type Duration, type Provider, type Tolerance, type Until } from './format.js';
import type { LabClock } from '../../lib/lab-clock.js';
import type { Role } from '../topology.js';

export interface FaultRecord {
  kind: string;
  target: string;
  name: string;
  spec: unknown;
  start: number;
  end: number | null;
}

export interface RunContext {
  lab: LabClient;
  clock: Clock;
  /** The lab clock the run plays at: what AWS durations ({aws: 2h37m}) are scaled by. */
  labClock?: LabClock;
  /** ms since run start */
  elapsed(): number;
  faults: FaultRecord[];
  signal: AbortSignal;
  /** The phases detected so far: seen (started at some point) and active now. */
  phases?(): { seen: string[]; active: string[] };
  /**
   * What a wait's `increase` counts from: the first number the run saw at that probe and target. Without
   * it (a wait run on its own), each wait counts from its own first sample.
   */
  baselines?: Map<string, number>;
}

const ms = (ctx: RunContext, d: Duration) => durationMs(d, ctx.labClock);

export function withinTolerance(value: unknown, tolerance: Tolerance | undefined): boolean {
  if (tolerance === undefined) return true;
  if (typeof tolerance === 'boolean') return value === tolerance;
  const actual = (value as Record<string, unknown> | null)?.[tolerance.target];
  if (tolerance.type === 'value') return actual === tolerance.value;
  return typeof actual === 'number' && actual >= tolerance.range[0] && actual <= tolerance.range[1];
}

/**
 * A wait condition's test: a tolerance as withinTolerance says, or `increase`: the number at its target
 * rose by `by` since the first one seen of this probe (`probe`, its key in `baselines`) and target. A
 * probe that cannot answer yet leaves the baseline unset.
 */
export function untilReached(until: Until, probe: string, baselines: Map<string, number>): (value: unknown) => boolean {
  if (typeof until === 'boolean' || until.type !== 'increase') return (value) => withinTolerance(value, until);
  const key = `${probe} ${until.target}`;
  return (value) => {
    const actual = (value as Record<string, unknown> | null)?.[until.target];
    if (typeof actual !== 'number') return false;
    if (!baselines.has(key)) baselines.set(key, actual);
    return actual - baselines.get(key)! >= until.by;
  };
}

async function dnsProbe(ctx: RunContext, name: string) {
  try {
    const r = await ctx.lab.lookup(name);
    return { rcode: r.rcodeName, addresses: r.addresses.length, list: r.addresses };
  } catch (err) {
    return { rcode: 'TIMEOUT', addresses: 0, list: [], error: (err as Error).message };
  }
}

/**
 * The value at a dotted path of a service's /lab/state (the service named, or the one playing the role);
 * {value: null} when absent or unreachable. The path was checked against the service's state schema when
 * the experiment was loaded (format.ts).
 */
async function stateProbe(ctx: RunContext, probe: { service?: string; role?: Role; path: string }) {
  const { path } = probe;
  let service = probe.service ?? probe.role ?? '';
  try {
    if (probe.role) {
      const playing = (await ctx.lab.topology()).byRole(probe.role);
      if (!playing) throw new Error(`no service of the lab plays ${probe.role} right now`);
      service = playing.name;
    }
    return { service, path, value: valueAt(await ctx.lab.rawState(service), path) ?? null };
  } catch (err) {
    return { service, path, value: null, error: (err as Error).message };
  }
}

/** What customers saw over the last `windowMs`: the loadgen's closed seconds, read through the controller. */
export async function customerProbe(lab: Pick<LabClient, 'state'>, windowMs: number) {
  const seconds = Math.max(1, Math.ceil(windowMs / 1000));
  try {
    const series = (await lab.state('loadgen')).series.slice(-seconds);
    const requests = series.reduce((n, s) => n + s.requests, 0);
    const successes = series.reduce((n, s) => n + s.successes, 0);
    const p99s = series.map((s) => s.p99).filter((p): p is number => typeof p === 'number');
    return { successRate: requests > 0 ? successes / requests : null, requests, successes, errors: requests - successes, p99Ms: p99s.length ? Math.max(...p99s) : null, seconds: series.length };
  } catch (err) {
    return { successRate: null, requests: 0, successes: 0, errors: 0, p99Ms: null, seconds: 0, error: (err as Error).message };
  }
}

export async function clearFaults(ctx: RunContext): Promise<number> {
  let removed = 0;
  for (const fault of ctx.faults.filter((f) => f.end === null)) {
    if (fault.kind === 'toxic') await ctx.lab.removeToxic(fault.target, fault.name);
    else await ctx.lab.removeFault(fault.name); // a controller fault: name is its id
    fault.end = ctx.elapsed();
    removed++;
  }
  return removed;
}


export async function runProvider(provider: Provider, ctx: RunContext): Promise<unknown> {
  switch (provider.type) {
    case 'dns':
      return dnsProbe(ctx, provider.name);
    case 'state':
      return stateProbe(ctx, provider);
    case 'customer':
      return customerProbe(ctx.lab, ms(ctx, provider.window));
    case 'phase': {
      const phases = ctx.phases?.() ?? { seen: [], active: [] };
      return { phase: provider.name, seen: phases.seen.includes(provider.name), active: phases.active.includes(provider.name) };
    }
    case 'toxic': {
      const streams = provider.toxic.stream === 'both' ? (['upstream', 'downstream'] as const) : [provider.toxic.stream];
      const added = [];
      for (const stream of streams) {
        const spec = { type: provider.toxic.type, stream, toxicity: provider.toxic.toxicity, attributes: provider.toxic.attributes };
        const name = `lab_${provider.toxic.type}_${stream}`;
        // The same toxic again on the same link changes it in place (a latency sweep, say); the journal
        // keeps each setting as its own fault window.
        const active = ctx.faults.find((f) => f.end === null && f.target === provider.proxy && f.name === name);
        if (active) {
          await ctx.lab.updateToxic(provider.proxy, name, spec);
          active.end = ctx.elapsed();
        } else {
          await ctx.lab.addToxic(provider.proxy, { ...spec, name });
        }
        ctx.faults.push({ kind: 'toxic', target: provider.proxy, name, spec, start: ctx.elapsed(), end: null });
        added.push(name);
      }
      return { added };
    }
    case 'fault': {
      const kind = faultKind(provider.kind);
      const params = validParams(kind, provider.params);
      if (kind.injectedBy === 'fault-proxy') {
        return runProvider({ type: 'toxic', proxy: provider.target, toxic: { type: kind.toxicType, stream: 'both', toxicity: 1, attributes: params as Record<string, number> } }, ctx);
      }
      const held = await ctx.lab.addFault(kind.kind, provider.target, params);
      ctx.faults.push({ kind: kind.kind, target: provider.target, name: held.id, spec: params, start: ctx.elapsed(), end: null });
      return { added: [held.id] };
    }
    case 'clear-faults':
      return { removed: await clearFaults(ctx) };
    case 'wait': {
      const deadline = ctx.clock.now() + ms(ctx, provider.timeout);
      const started = ctx.elapsed();
      const conditions = provider.any ?? [{ probe: provider.probe!, until: provider.until! }];
      const reached = conditions.map((c) => untilReached(c.until, JSON.stringify(c.probe), ctx.baselines ?? new Map()));
      for (;;) {
        const values = await Promise.all(conditions.map((c) => runProvider(c.probe, ctx)));
        const metBy = reached.findIndex((isMet, i) => isMet(values[i]));
        const value = metBy >= 0 ? values[metBy] : values.length === 1 ? values[0] : values;
        const which = provider.any ? { condition: metBy >= 0 ? metBy : null } : {};
        if (metBy >= 0) return { met: true, afterMs: ctx.elapsed() - started, ...which, value };
        if (ctx.clock.now() >= deadline || ctx.signal.aborted) return { met: false, afterMs: ctx.elapsed() - started, ...which, value };
        await ctx.clock.sleep(ms(ctx, provider.every), ctx.signal).catch(() => undefined);
      }
    }
    case 'hold': {
      const end = ctx.clock.now() + ms(ctx, provider.duration);
      let samples = 0;
      for (;;) {
        const value = await runProvider(provider.probe, ctx);
        samples++;
        if (!withinTolerance(value, provider.tolerance)) return { held: false, samples, value };
        if (ctx.clock.now() >= end || ctx.signal.aborted) return { held: true, samples, value };
        await ctx.clock.sleep(ms(ctx, provider.every), ctx.signal).catch(() => undefined);
      }
    }
    case 'repair':
      return ctx.lab.repair(provider.action);
    case 'hook':
      return ctx.lab.hook(provider.service, provider.hook);
  }
}

/** Whether an activity's result counts as success (for waits and holds: the condition was met). */
export function succeeded(provider: Provider, value: unknown): boolean {
  if (provider.type === 'wait') return (value as { met: boolean }).met;
  if (provider.type === 'hold') return (value as { held: boolean }).held;
  return true;
}
