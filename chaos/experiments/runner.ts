// Runs one experiment against the running lab, Chaos Toolkit style: check the steady-state hypothesis,
// run the method, check the hypothesis again, and always run the rollbacks (on normal end, on abort,
// on SIGINT/SIGTERM). Phases are detected alongside from the lab's own behaviour.
import type { Clock } from '../../lib/clock.js';
import { defaultLabClock, type LabClock } from '../../lib/lab-clock.js';
import { scenarioTiming, type ScenarioTiming } from '../../lib/timing.js';
import { Random } from '../../lib/random.js';
import { holdLease, type LabClient } from '../lab-client.js';
import { durationMs, type Activity, type Experiment } from './format.js';
import { dnsEmptyDetector, leaseCollapseDetector, nlbFlappingDetector, PhaseTracker, propagationBacklogDetector, waitQuiet, type Phase, type PhaseDetector } from './phases.js';
import { clearFaults, runProvider, succeeded, withinTolerance, type FaultRecord, type RunContext } from './providers.js';
import { AbortWatcher, type AbortRecord } from './abort.js';
import { startRunTimeline } from './run-timeline.js';
import { Schedule } from './schedule.js';
import type { TimelineSample } from '../controller/timeline.js';
import type { GameJournal } from '../gameday/contract.js';

export type RunStatus = 'completed' | 'deviated' | 'aborted';

export interface ActivityRecord {
  phase: 'hypothesis-before' | 'method' | 'hypothesis-after' | 'rollback';
  type: string;
  name: string;
  start: number;
  end: number;
  ok: boolean;
  /** Its `when` condition did not hold, so it was not run. */
  skipped?: boolean;
  output?: unknown;
  error?: string;
}

export interface Journal {
  scenario: string;
  title: string;
  description: string;
  seed: number;
  fixes: string[];
  /** The lab clock the run played at (LAB_CLOCK, e.g. 1h=10s): how the report places AWS's timeline. */
  clock: string;
  configuration: Record<string, unknown>;
  status: RunStatus;
  reason?: string;
  startedAt: string;
  durationMs: number;
  phases: Phase[];
  faults: FaultRecord[];
  customer: { requests: number; successes: number; successRate: number | null; errors: Record<string, number> };
  hypothesis: { title: string; before: boolean | null; after: boolean | null };
  activities: ActivityRecord[];
  /** The abort condition that stopped the run, when one did. */
  abortedBy?: AbortRecord;
  /** The lab sampled about every second over the run (t in ms epoch). */
  timeline: TimelineSample[];
  /**
   * When the race fired, in ms from the run's start: the first dns-empty start, else the end of the step
   * the scenario's `at` times count from (its trigger); null for a run with neither. The report and the
   * matrix place AWS's timeline from here, at the run's clock.
   */
  raceAt?: number | null;
  /** A game day's record: the team, what the responders did, the faults the facilitator added, the score. */
  game?: GameJournal;
}

/** What a progress display can ask a run while it goes on. */
export interface LiveRun {
  elapsed(): number;
  /** The phases going on right now. */
  phases(): string[];
  /** Every phase detected so far, ended or not, with start and end in ms from the run's start. */
  detected(): Phase[];
  activeFaults(): number;
  activity(): string | null;
  /** The step going on is marked pausable: a game day's facilitator may pause the schedule now. */
  pausable?(): boolean;
}

/**
 * A run played as a game day: the operators' steps (`operator: true`) are left to the responders, so the
 * runner keeps their time on the schedule without taking them; the facilitator can pause the schedule and
 * end the game.
 */
export interface GameRun {
  schedule: Schedule;
  /** Ends the method early (the game is over): the steady state is checked again and the rollbacks run. */
  finish: AbortSignal;
}

export interface RunOptions {
  scenario: string;
  seed: number;
  fixes: string[];
  lab: LabClient;
  clock: Clock;
  /** The lab's clock (default 1h=10s): AWS durations in the scenario and the detectors' windows scale with it. */
  labClock?: LabClock;
  /** Progress lines for people. */
  progress?: (line: string) => void;
  signal?: AbortSignal;
  /** Called once at the start with a live view of the run (for progress bars). */
  observe?: (run: LiveRun) => void;
  /** Play it as a game day. */
  game?: GameRun;
}

/** Replaces ${name} with configuration values; a string that is exactly one reference keeps the value's type. */
export function interpolate<T>(value: T, config: Record<string, unknown>): T {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Za-z0-9_-]+)\}$/.exec(value);
    if (whole) {
      const v = config[whole[1] as string];
      if (v === undefined) throw new Error(`unknown configuration key \${${whole[1]}}`);
      return (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v) as T;
    }
    return value.replace(/\$\{([A-Za-z0-9_-]+)\}/g, (_, k: string) => {
      if (config[k] === undefined) throw new Error(`unknown configuration key \${${k}}`);
      return String(config[k]);
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, config)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, config)])) as T;
  return value;
}

export function resolveConfiguration(experiment: Experiment, seed: number): Record<string, unknown> {
  const random = new Random(seed);
  return Object.fromEntries(
    Object.entries(experiment.configuration).map(([k, v]) => {
      if (v && typeof v === 'object' && 'choose' in v) return [k, v.choose[random.int(0, v.choose.length - 1)]];
      return [k, v];
    }),
  );
}

/** How long, in AWS hours, a run waits before its method for phases already under way to end. */
export const QUIET_WAIT_H = 6;

/** The detectors an experiment names; they sample together, so reads of one service's state share a request. */
function detectorsFor(experiment: Experiment, config: Record<string, unknown>, lab: LabClient, clock: Clock, timing: ScenarioTiming): PhaseDetector[] {
  return experiment.phases.map((name) => {
    switch (name) {
      case 'dns-empty':
        return dnsEmptyDetector(lab, String(config.endpoint ?? 'kv.us-east-1.lab.internal'));
      case 'lease-collapse':
        return leaseCollapseDetector(lab);
      case 'propagation-backlog':
        return propagationBacklogDetector(lab, timing);
      case 'nlb-flapping':
        return nlbFlappingDetector(lab, () => clock.now(), timing);
    }
  });
}

export async function runExperiment(experiment: Experiment, opts: RunOptions): Promise<Journal> {
  const { lab, clock } = opts;
  const say = opts.progress ?? (() => {});
  const t0 = clock.now();
  const elapsed = () => clock.now() - t0;
  const aborter = new AbortController();
  opts.signal?.addEventListener('abort', () => aborter.abort(opts.signal?.reason), { once: true });
  const labClock = opts.labClock ?? defaultLabClock();
  const ctx: RunContext = { lab, clock, labClock, elapsed, faults: [], baselines: new Map(), signal: aborter.signal, phases: () => ({ seen: [...new Set(tracker.phases.map((p) => p.name))], active: tracker.active() }) };
  const config = resolveConfiguration(experiment, opts.seed);
  const journal: Journal = {
    scenario: opts.scenario,
    title: experiment.title,
    description: experiment.description,
    seed: opts.seed,
    fixes: opts.fixes,
    clock: labClock.text,
    configuration: config,
    status: 'aborted',
    startedAt: new Date(t0).toISOString(),
    durationMs: 0,
    phases: [],
    faults: ctx.faults,
    customer: { requests: 0, successes: 0, successRate: null, errors: {} },
    hypothesis: { title: experiment['steady-state-hypothesis'].title, before: null, after: null },
    activities: [],
    timeline: [],
  };
  let current: string | null = null;
  let pausable = false;

  // The times steps wait for are schedule time: real time, unless a game day's facilitator paused it.
  const schedule = opts.game?.schedule ?? new Schedule(clock);
  /** The method stops when the run is aborted, or when the game ends. */
  const methodStop = opts.game ? AbortSignal.any([aborter.signal, opts.game.finish]) : aborter.signal;
  const methodStart = { at: 0 };
  /** Each method step's last end, in schedule time: what `at: {after}` counts from. */
  const ends = new Map<string, number>();
  const sleep = (ms: number, phase: ActivityRecord['phase']) => schedule.sleep(ms, phase === 'method' ? methodStop : aborter.signal);
  /** When an activity scheduled `at` an AWS time may start, in schedule time. */
  const scheduled = (at: NonNullable<Activity['at']>): number => {
    const anchor = at.after === undefined ? methodStart.at : ends.get(at.after);
    return (anchor ?? methodStart.at) + durationMs({ aws: at.aws }, labClock);
  };
  /** Runs one step; null for a method step whose time came after the method was stopped (not taken, not journaled). */
  const run = async (activity: Activity, phase: ActivityRecord['phase']): Promise<ActivityRecord | null> => {
    const a = interpolate(activity, config);
    const record: ActivityRecord = { phase, type: a.type, name: a.name, start: elapsed(), end: 0, ok: false };
    say(`  ${a.type} ${a.name}`);
    current = a.name;
    pausable = phase === 'method' && a.pausable === true;
    try {
      return await take(a, record);
    } finally {
      pausable = false;
    }
  };
  /** A step's end: journaled, and (in the method) what later steps' `at: {after}` count from. */
  const close = (record: ActivityRecord, fields: Partial<ActivityRecord> = {}) => {
    Object.assign(record, fields, { end: elapsed() });
    journal.activities.push(record);
    if (record.phase === 'method') ends.set(record.name, schedule.now());
  };
  const take = async (a: Activity, record: ActivityRecord): Promise<ActivityRecord | null> => {
    const { phase } = record;
    // In a game day the responders take the operators' steps: their time is kept, their condition not asked.
    const leftToResponders = phase === 'method' && opts.game !== undefined && a.operator === true;
    // The condition first: a step with nothing to do is skipped at once, without waiting for its time.
    // While the run has seen a phase, though, a step scheduled `at` a later time waits for it and looks
    // again then: operators disable failover at +9h48m if the checks flapped by then.
    if (a.when && !leftToResponders) {
      const check = async () => {
        const value = await runProvider(a.when!.probe, ctx).catch((err: Error) => ({ error: err.message }));
        return { value, holds: withinTolerance(value, a.when!.until) };
      };
      let seen = await check();
      if (!seen.holds && a.at && (ctx.phases?.().seen.length ?? 0) > 0 && scheduled(a.at) > schedule.now()) {
        say(`    its condition does not hold yet: looking again at +${a.at.aws}`);
        await sleep(scheduled(a.at) - schedule.now(), phase);
        if (phase === 'method' && methodStop.aborted) return null;
        seen = await check();
      }
      if (!seen.holds) {
        close(record, { ok: true, skipped: true, output: { skipped: true, value: seen.value } });
        say('    skipped: its condition does not hold');
        return record;
      }
    }
    if (a.pauses?.before) await sleep(durationMs(a.pauses.before, labClock), phase);
    if (a.at) {
      const due = scheduled(a.at);
      if (due > schedule.now()) say(`    at +${a.at.aws} on the 20 October timeline (${((due - schedule.now()) / 1000).toFixed(1)} s from now)`);
      await sleep(due - schedule.now(), phase);
    }
    // Stopped while it waited for its time (aborted, or the game is over): a method step is not taken then.
    if (phase === 'method' && methodStop.aborted) return null;
    record.start = elapsed();
    if (leftToResponders) {
      close(record, { ok: true, skipped: true, output: { leftTo: 'the responders' } });
      say('    left to the responders (game day)');
      if (a.pauses?.after) await sleep(durationMs(a.pauses.after, labClock), phase);
      return record;
    }
    try {
      const output = await runProvider(a.provider, ctx);
      record.output = output;
      record.ok = succeeded(a.provider, output) && withinTolerance(output, a.tolerance);
    } catch (err) {
      record.error = (err as Error).message;
    }
    close(record);
    say(`    ${record.ok ? 'ok' : 'not met'} after ${((record.end - record.start) / 1000).toFixed(1)} s${record.error ? `: ${record.error}` : ''}${record.ok ? '' : lastValue(record.output)}`);
    if (a.pauses?.after) await sleep(durationMs(a.pauses.after, labClock), phase);
    return record;
  };
  /** The hypothesis's probes not met before the method, each with what it last saw, and where to look. */
  const unmetBefore = () =>
    journal.activities
      .filter((r) => r.phase === 'hypothesis-before' && !r.ok)
      .map((r) => `${r.name}${r.error ? ` (${r.error})` : lastValue(r.output)}`)
      .join(', ') + ' (is the lab healthy? cascade-lab status; after an outage, cascade-lab repair dns, or repair throttle, restart-dwfm, unthrottle)';
  const hypothesis = async (phase: 'hypothesis-before' | 'hypothesis-after') => {
    let ok = true;
    for (const probe of experiment['steady-state-hypothesis'].probes) ok = ((await run(probe, phase))?.ok ?? false) && ok;
    return ok;
  };

  // Every fault this run injects is held by a lease it renews: if this process dies, the fault proxy
  // removes them within FAULT_LEASE_TTL_MS on its own.
  const holder = `run-${opts.scenario.replace(/[^A-Za-z0-9_.:-]/g, '_')}-${opts.seed}-${process.pid}-${t0}`;
  const lease = await holdLease(lab, holder, clock, (err) => say(`  could not renew the fault lease: ${err.message}`));

  // The customers' view is the in-lab loadgen's (open-loop traffic through the app endpoint); a lab
  // without one falls back on the controller's canary.
  const customerAt = async (): Promise<Omit<Journal['customer'], 'successRate'>> => {
    const totals = (await lab.stateOrNull('loadgen'))?.totals;
    if (totals) return { requests: totals.requests, successes: totals.successes, errors: totals.errorsByKind as Record<string, number> };
    return (await lab.status()).customer;
  };
  let before: Journal['customer'] = { requests: 0, successes: 0, successRate: null, errors: {} };
  const timing = scenarioTiming(labClock);
  const detectors = detectorsFor(experiment, config, lab, clock, timing);
  const tracker = new PhaseTracker(
    detectors,
    clock,
    elapsed,
    250,
    (phase, started) => say(`  phase ${phase.name} ${started ? 'started' : 'ended'} at ${((started ? phase.start : phase.end) / 1000).toFixed(1)} s`),
    timing.settleMs,
  );
  /**
   * The phases this scenario looks for must not be under way when its method begins, or the journal would
   * hold them before the trigger: a run begun right after another may find its health checks still
   * flapping, which the hypothesis (endpoints, leases) does not ask about. Waits for them to end, up to
   * QUIET_WAIT_H of AWS time, watching a flapping window when nlb-flapping is looked for. Says why the
   * method cannot begin, or null once it can.
   */
  const notQuiet = async (): Promise<string | null> => {
    const watchMs = experiment.phases.includes('nlb-flapping') ? timing.flappingWindowMs : 0;
    const outcome = await waitQuiet(detectors, clock, { watchMs, quietMs: timing.settleMs, timeoutMs: labClock.hours(QUIET_WAIT_H), everyMs: 250, signal: aborter.signal });
    const waited = `${(outcome.waitedMs / 1000).toFixed(1)} s`;
    if (outcome.quiet) {
      if (outcome.seen.length > 0) say(`  waited ${waited} for ${outcome.seen.join(', ')} to end before the method: the run would have recorded it as its own`);
      return null;
    }
    if (aborter.signal.aborted) return `interrupted (${String(aborter.signal.reason ?? 'signal')})`;
    return `${outcome.seen.join(', ')} still under way after ${waited}: the lab has not come to rest from what came before (cascade-lab up waits for it)`;
  };
  const timeline = startRunTimeline(lab, t0, say);
  opts.observe?.({ elapsed, phases: () => tracker.active(), detected: () => tracker.phases.map((p) => ({ ...p })), activeFaults: () => ctx.faults.filter((f) => f.end === null).length, activity: () => current, pausable: () => pausable });
  try {
    before = { ...(await customerAt()), successRate: null };
    say(`steady state: ${journal.hypothesis.title}`);
    journal.hypothesis.before = await hypothesis('hypothesis-before');
    const notBegun = !journal.hypothesis.before ? `the steady state did not hold before the method: ${unmetBefore()}` : await notQuiet();
    if (notBegun !== null) {
      journal.reason = notBegun;
    } else {
      say('method');
      methodStart.at = schedule.now();
      // A wait or hold of the method ends when the game does, as well as on an abort.
      ctx.signal = methodStop;
      // Phases are looked for from the method on: before it, the hypothesis has just said the lab is steady.
      tracker.start();
      const watcher = new AbortWatcher(interpolate(experiment['abort-conditions'], config), ctx, (hit) => {
        journal.abortedBy = hit;
        say(`  ${hit.reason}: aborting`);
        aborter.abort(hit.reason);
      });
      watcher.start();
      try {
        for (const activity of experiment.method) {
          if (methodStop.aborted) break;
          const record = await run(activity, 'method');
          if (!record) break;
          if (!record.ok && record.type === 'action') {
            journal.reason = `action ${record.name} failed: ${record.error ?? 'not met'}`;
            break;
          }
        }
      } finally {
        await watcher.stop();
        ctx.signal = aborter.signal;
      }
      if (opts.game?.finish.aborted && !aborter.signal.aborted) say(`  the game is over (${String(opts.game.finish.reason ?? 'ended')}): the rest of the method is not taken`);
      if (journal.abortedBy) journal.reason = journal.abortedBy.reason;
      else if (aborter.signal.aborted) journal.reason = `interrupted (${String(aborter.signal.reason ?? 'signal')})`;
      else if (!journal.reason) {
        say(`steady state again: ${journal.hypothesis.title}`);
        journal.hypothesis.after = await hypothesis('hypothesis-after');
        journal.status = journal.hypothesis.after ? 'completed' : 'deviated';
      }
    }
  } finally {
    say('rollbacks');
    for (const activity of experiment.rollbacks) await run(activity, 'rollback').catch(() => undefined);
    await clearFaults(ctx).catch(() => undefined); // whatever the rollbacks missed
    await lease.release().catch(() => undefined);
    journal.phases = await tracker.stop();
    journal.raceAt = raceAt(experiment, journal);
    const after = await customerAt().catch(() => before);
    const requests = after.requests - before.requests;
    const successes = after.successes - before.successes;
    const errors: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.errors)) if (v - (before.errors[k] ?? 0) > 0) errors[k] = v - (before.errors[k] ?? 0);
    journal.customer = { requests, successes, successRate: requests > 0 ? successes / requests : null, errors };
    journal.durationMs = elapsed();
    journal.timeline = await timeline.finish();
  }
  return journal;
}

/**
 * What a wait or hold that was not met last saw, so that a failed run says how far it was (`last: 0.42`):
 * the probe's reading, unwrapped from the wait's and the state probe's envelopes ({ value }).
 */
function lastValue(output: unknown): string {
  const hasValue = (o: unknown): o is { value: unknown } => o !== null && typeof o === 'object' && 'value' in o;
  if (!hasValue(output)) return '';
  let value = output.value;
  while (hasValue(value)) value = value.value;
  const text = JSON.stringify(value);
  return text === undefined ? '' : ` (last: ${text.length > 200 ? `${text.slice(0, 200)}…` : text})`;
}

/** The first dns-empty start, else the end of the last step a scheduled activity counts from. */
function raceAt(experiment: Experiment, journal: Journal): number | null {
  const empty = journal.phases.filter((p) => p.name === 'dns-empty').sort((a, b) => a.start - b.start)[0];
  if (empty) return empty.start;
  const anchors = new Set(experiment.method.flatMap((a) => (a.at?.after ? [a.at.after] : [])));
  return journal.activities.findLast((r) => r.phase === 'method' && anchors.has(r.name))?.end ?? null;
}

export const exitCode = (status: RunStatus) => (status === 'completed' ? 0 : status === 'deviated' ? 1 : 2);
