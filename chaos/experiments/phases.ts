// Detects the lab's phases from what the services really do, never from the script's schedule:
//   dns-empty            the regional kv endpoint answers without addresses (real DNS queries)
//   lease-collapse       DWFM holds valid leases on less than 90 % of the droplets (launcher /lab/state)
//   propagation-backlog  the oldest instance waiting for its network configuration has waited half an AWS
//                        hour, or the network manager has an AWS hour of work waiting
//   nlb-flapping         the NLB impact: the health checker moved targets out of service and back, let
//                        checks run late or failed nodes over, three times within the last half AWS hour;
//                        or automatic failover is held off (what operators do to stop the flapping's
//                        failovers: AWS counts the NLB impact until they turned it back on, 14:09)
// The windows scale with the lab clock (lib/timing.ts); they sit well clear of what the lab does at rest
// (CASCADE-NOTES.md has the numbers).
import type { Clock } from '../../lib/clock.js';
import { Loop } from '../../lib/loop.js';
import type { ScenarioTiming } from '../../lib/timing.js';
import type { LabClient } from '../lab-client.js';

export interface Phase {
  name: string;
  start: number;
  end: number;
  /** Still going when the run ended. */
  ongoing?: boolean;
}

export interface PhaseDetector {
  name: string;
  /** True while the phase condition holds; null when it cannot tell right now (keeps the last verdict). */
  sample(): Promise<boolean | null>;
}

export const LEASED_FRACTION_FLOOR = 0.9;

/** The detectors' thresholds and windows, scaled by the lab clock (lib/timing.ts scenarioTiming). */
export type DetectorTiming = Pick<ScenarioTiming, 'backlogWaitMs' | 'backlogWorkMs' | 'flappingWindowMs'>;

type Lab = Pick<LabClient, 'stateOrNull' | 'checkerState'>;

export function leaseCollapseDetector(lab: Lab): PhaseDetector {
  return {
    name: 'lease-collapse',
    sample: async () => {
      const dwfm = (await lab.stateOrNull('ec2'))?.dwfm;
      if (!dwfm || dwfm.droplets === 0) return null;
      return dwfm.leased < LEASED_FRACTION_FLOOR * dwfm.droplets;
    },
  };
}

export function propagationBacklogDetector(lab: Lab, timing: DetectorTiming): PhaseDetector {
  return {
    name: 'propagation-backlog',
    sample: async () => {
      const network = (await lab.stateOrNull('ec2'))?.network;
      if (!network) return null;
      const workMs = (network.backlog / network.ratePerSecond) * 1000;
      return network.latencyMs.oldestWaitingMs >= timing.backlogWaitMs || workMs >= timing.backlogWorkMs;
    },
  };
}

/** Flaps, late checks and failovers within the window that make it flapping, not a lone replacement. */
export const FLAPPING_MIN_EVENTS = 3;

/** What the detector counts, since the checker started: flaps, late checks, failovers. */
export function flappingEventCount(state: NonNullable<Awaited<ReturnType<Lab['checkerState']>>>): number | null {
  if (!state.isChecker) return null;
  const { flaps, lateChecks, dnsRemovals } = state.totals;
  return flaps + lateChecks + dnsRemovals;
}

/**
 * Counters only go up; the phase is "they went up, together, at least FLAPPING_MIN_EVENTS times within the
 * window": targets flapped, checks ran late, automatic failover took nodes out of DNS. One flap is a
 * replacement whose configuration was a little slow, not flapping. (A node being out of DNS is not evidence
 * on its own: an AZ drained of instances is out of DNS until the round after new ones register.) While an
 * operator holds automatic failover off the impact goes on, mitigated: the checker would fail nodes over.
 */
export function nlbFlappingDetector(lab: Lab, now: () => number, timing: DetectorTiming): PhaseDetector {
  let last: number | null = null;
  const rises: { at: number; count: number }[] = [];
  return {
    name: 'nlb-flapping',
    sample: async () => {
      const state = await lab.checkerState();
      if (!state?.isChecker) return null;
      if (state.failoverEnabled === false) return true;
      const total = flappingEventCount(state)!;
      const t = now();
      if (last !== null && total > last) rises.push({ at: t, count: total - last });
      last = total;
      while (rises.length > 0 && t - rises[0]!.at >= timing.flappingWindowMs) rises.shift();
      return rises.reduce((n, r) => n + r.count, 0) >= FLAPPING_MIN_EVENTS;
    },
  };
}

export function dnsEmptyDetector(lab: Pick<LabClient, 'lookup'>, endpoint: string): PhaseDetector {
  return {
    name: 'dns-empty',
    sample: async () => {
      try {
        const r = await lab.lookup(endpoint);
        return r.nodata;
      } catch {
        return false; // no answer at all is not what this phase is about
      }
    },
  };
}

export interface QuietOutcome {
  /** No detector was active for the quiet time at the end (false: the timeout or an abort came first). */
  quiet: boolean;
  waitedMs: number;
  /** The phases found under way meanwhile. */
  seen: string[];
}

/**
 * Samples the detectors until none has been active for `quietMs`, having watched for at least `watchMs`
 * (the flapping detector needs a window of samples to tell flapping from a lone flap); gives up after
 * `timeoutMs`. A run waits so before its method: begun while what came before still plays out (the last
 * run's health checks still flapping, say), it would record those phases as its own, before its trigger.
 */
export async function waitQuiet(
  detectors: PhaseDetector[],
  clock: Clock,
  o: { watchMs: number; quietMs: number; timeoutMs: number; everyMs: number; signal?: AbortSignal },
): Promise<QuietOutcome> {
  const start = clock.now();
  // The method's own rule for when a phase is over (false for quietMs), on samples taken here by hand. A
  // phase under way whose detector stops answering stays under way, as in the method: quiet is never
  // inferred from a service that cannot say.
  const intervals = new PhaseIntervals(detectors, () => clock.now() - start, undefined, o.quietMs);
  for (;;) {
    await intervals.sampleOnce();
    const waitedMs = clock.now() - start;
    const outcome = (quiet: boolean): QuietOutcome => ({ quiet, waitedMs, seen: [...new Set(intervals.phases.map((p) => p.name))] });
    if (waitedMs >= o.watchMs && intervals.active().length === 0) return outcome(true);
    if (waitedMs >= o.timeoutMs || o.signal?.aborted) return outcome(false);
    try {
      await clock.sleep(o.everyMs, o.signal);
    } catch {
      return outcome(false);
    }
  }
}

/** Turns samples of the detectors into phase intervals: the rule for when a phase starts and when it is over. */
export class PhaseIntervals {
  readonly phases: Phase[] = [];
  private readonly open = new Map<string, Phase>();

  constructor(
    private readonly detectors: PhaseDetector[],
    private readonly elapsed: () => number,
    private readonly onChange: (phase: Phase, started: boolean) => void = () => {},
    /** A phase ends at its last true sample once the condition has been false this long. */
    private readonly settleMs = 2000,
  ) {}

  async sampleOnce(): Promise<void> {
    // A detector that throws cannot tell, this once; the others' samples still count.
    const results = await Promise.all(this.detectors.map((d) => d.sample().catch(() => null)));
    const now = this.elapsed();
    this.detectors.forEach((d, i) => {
      const current = this.open.get(d.name);
      const active = results[i];
      if (active === null || active === undefined) return; // cannot tell: change nothing
      if (active && !current) {
        const phase: Phase = { name: d.name, start: now, end: now };
        this.open.set(d.name, phase);
        this.phases.push(phase);
        this.onChange(phase, true);
      } else if (current && active) {
        current.end = now;
      } else if (current && now - current.end >= this.settleMs) {
        // Over only once the condition has stayed false for settleMs: one phase, not a string of blips.
        this.open.delete(d.name);
        this.onChange(current, false);
      }
    });
  }

  /** Marks the phases still under way as ongoing (the run ended before they did). */
  close(): Phase[] {
    for (const phase of this.open.values()) phase.ongoing = true;
    return this.phases;
  }

  active(): string[] {
    return [...this.open.keys()];
  }
}

/** Samples every detector on an interval (PhaseIntervals on a loop). */
export class PhaseTracker {
  private readonly intervals: PhaseIntervals;
  private readonly loop: Loop;

  constructor(
    detectors: PhaseDetector[],
    clock: Clock,
    elapsed: () => number,
    private readonly everyMs = 250,
    onChange: (phase: Phase, started: boolean) => void = () => {},
    /** A phase ends at its last true sample once the condition has been false this long. */
    settleMs = 2000,
  ) {
    this.intervals = new PhaseIntervals(detectors, elapsed, onChange, settleMs);
    this.loop = new Loop({ clock, intervalMs: () => this.everyMs });
  }

  get phases(): Phase[] {
    return this.intervals.phases;
  }

  start(): void {
    void this.loop.run(() => this.intervals.sampleOnce());
  }

  async stop(): Promise<Phase[]> {
    await this.loop.stop();
    return this.intervals.close();
  }

  active(): string[] {
    return this.intervals.active();
  }
}
