// A game day's score, from the journal alone (so a report can be made again from journal.json): when
// customers first felt it, when the team declared the incident, named the root cause (root-cause.ts) and
// mitigated it (success back at or above the SLO and holding), the customers' error budget burned, and
// each runbook action judged by the lab's state when it was taken. Side by side with AWS's operators on
// 20 October, in AWS hours since the race: the run's lab clock scales the team's times, and a pause
// (the facilitator's) does not count.
//
//   trigger fired ──► first impact ──► declared ──► root cause ──► DNS ──► DWFM ──► failover ──► mitigated
//        0 h           (timeline)      (entries)      (+0:50)      (+2:37) (+4:26)   (+9:48)      (+14:32)
import { durationMs, type GameSettings } from '../experiments/format.js';
import type { Journal } from '../experiments/runner.js';
import { LEASED_FRACTION_FLOOR } from '../experiments/phases.js';
import { LabClock } from '../../lib/lab-clock.js';
import { scenarioTiming } from '../../lib/timing.js';
import { minutesSinceStart } from '../report/incident.js';
import type { TimelineSample } from '../controller/timeline.js';
import type { GameEntry, GameScore, MilestoneName, Moment, Verdict } from './contract.js';
import { namesRootCause } from './root-cause.js';

/** Mitigation must hold for at least this many measured samples, however fast the clock (at 1h=1s 30 AWS minutes are half a sample). */
export const MIN_HOLD_SAMPLES = 3;

/** AWS's operators on 20 October, from INCIDENT.md's timeline (PDT), in hours after the race (23:48). */
export const AWS_MILESTONES: { name: MilestoneName; label: string; at: string; verb: string; aws: string }[] = [
  { name: 'root-cause', label: 'root cause identified', at: '00:38', verb: 'identified the root cause', aws: 'did' },
  { name: 'dns-restored', label: 'DNS restored', at: '02:25', verb: 'restored DNS', aws: 'did' },
  { name: 'dwfm-restarted', label: 'DWFM throttled and restarted', at: '04:14', verb: 'throttled and restarted DWFM', aws: 'did' },
  { name: 'failover-disabled', label: "NLB's automatic failover disabled", at: '09:36', verb: "disabled the NLB's automatic failover", aws: 'did' },
  { name: 'mitigated', label: 'customers back above the SLO', at: '14:20', verb: 'brought customers back above the SLO', aws: 'ended the event' },
];
export const awsHoursOf = (at: string) => minutesSinceStart(at) / 60;

export interface ScoreInput {
  journal: Pick<Journal, 'startedAt' | 'durationMs' | 'clock' | 'timeline' | 'phases' | 'activities'>;
  settings: GameSettings;
  /** Every entry of the game, `t` in ms from the run's start. */
  entries: GameEntry[];
  /** The facilitator's pauses, ms from the run's start (an open one ends with the run). */
  pauses: { start: number; end: number | null }[];
}

/** "+2:37": AWS hours as the incident's timeline writes them. */
export function awsTime(hours: number): string {
  const minutes = Math.round(hours * 60);
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

/** "1:05": lab time for people. */
export function labTime(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return `${ms < 0 && s > 0 ? '-' : ''}${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Side by side with AWS: "your team restored DNS at +1:48, 31 % faster than AWS did (+2:37)". */
export function compareWithAws(verb: string, team: number | null, aws: number, awsVerb = 'did'): string {
  if (team === null) return `your team has not ${verb} (AWS ${awsVerb} at ${awsTime(aws)})`;
  const ratio = team / aws;
  const pct = Math.round(Math.abs(1 - ratio) * 100);
  const how = pct === 0 ? 'as fast as' : ratio < 1 ? `${pct} % faster than` : `${pct} % later than`;
  return `your team ${verb} at ${awsTime(team)}, ${how} AWS ${awsVerb} (${awsTime(aws)})`;
}

/** "1 h 05 min", "50 min": a span of AWS time. */
export function awsSpan(hours: number): string {
  const minutes = Math.round(Math.abs(hours) * 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min` : `${minutes} min`;
}

/**
 * A moment of the game from ms since the run's start: lab ms since the trigger fired, the pauses left
 * out, and that in AWS hours at the run's clock.
 */
export function gameMoments(clockText: string, triggerAt: number, pauses: { start: number; end: number | null }[], runEnd: number): (t: number) => Moment {
  const clock = LabClock.parse(clockText);
  const closed = pauses.map((p) => ({ start: p.start, end: p.end ?? runEnd }));
  return (t) => {
    const since = t - triggerAt - (t >= triggerAt ? pausedBetween(closed, triggerAt, t) : 0);
    return { t, sinceTrigger: since, awsHours: since / clock.msPerAwsHour };
  };
}

export function scoreGame({ journal, settings, entries, pauses }: ScoreInput): GameScore {
  const clock = LabClock.parse(journal.clock);
  const t0 = Date.parse(journal.startedAt);
  const end = journal.durationMs;
  const methodStart = journal.activities.find((a) => a.phase === 'method')?.start ?? 0;
  const triggerAt = (settings.trigger ? journal.activities.findLast((a) => a.phase === 'method' && a.name === settings.trigger)?.end : undefined) ?? methodStart;
  const closed = pauses.map((p) => ({ start: p.start, end: p.end ?? end }));
  const moment = gameMoments(journal.clock, triggerAt, pauses, end);

  const samples = (journal.timeline ?? []).map((s) => ({ ...s, at: s.t - t0 }));
  const rate = (s: TimelineSample) => s.customerSuccessRate;
  const below = (s: TimelineSample) => rate(s) !== null && rate(s)! < settings.slo;
  const impact = samples.find((s) => s.at >= methodStart && below(s));
  const firstImpact = impact ? moment(impact.at) : null;

  const responders = entries.filter((e) => e.role === 'responder');
  const declared = responders.find((e) => e.kind === 'declare');
  const detected = declared ? { ...moment(declared.t), by: declared.by } : null;
  const found = responders.find((e): e is Extract<GameEntry, { kind: 'hypothesis' }> => e.kind === 'hypothesis' && namesRootCause(e));
  const rootCause = found ? { ...moment(found.t), by: found.by, entry: found.id } : null;

  // Mitigated: success back at or above the SLO and holding: the last stretch without a sample below it,
  // from its first measured sample to the end of the game, at least as long as the hold. A recovery that
  // fell below again (the NLB flapping after DNS came back) is not a mitigation.
  const holdMs = durationMs(settings.hold, clock);
  let mitigated: Moment | null = null;
  if (impact) {
    const after = samples.filter((s) => s.at > impact.at);
    const lastBelow = after.findLastIndex(below);
    const stretch = after.slice(lastBelow + 1).filter((s) => rate(s) !== null);
    const from = stretch[0];
    if (from && stretch.length >= MIN_HOLD_SAMPLES && after.at(-1)!.at - from.at >= holdMs) mitigated = moment(from.at);
  }

  const gameSamples = samples.filter((s) => s.at >= triggerAt && s.customerRequests !== null);
  const requests = gameSamples.reduce((n, s) => n + (s.customerRequests ?? 0), 0);
  const failed = Math.round(gameSamples.reduce((n, s) => n + (s.customerRequests ?? 0) * (1 - (rate(s) ?? 1)), 0));
  const allowed = (1 - settings.slo) * requests;
  const errorBudget = { requests, failed, allowed: Math.round(allowed * 10) / 10, burned: requests > 0 ? failed / allowed : null };

  const lab = labAt(samples, journal.phases, scenarioTiming(clock).flappingWindowMs);
  // Every action counts for what came before it (a facilitator's throttle, say); the team is judged on its own.
  const taken = entries.filter((e): e is Extract<GameEntry, { kind: 'action' }> => e.kind === 'action');
  const actions = judge(taken, lab).filter((_, i) => taken[i]!.role === 'responder');
  const firstNeeded = (action: string) => {
    const verdict = actions.find((a) => a.action === action && a.verdict === 'needed');
    return verdict ? { t: verdict.t, by: verdict.by } : null;
  };
  const dns = firstNeeded('dns');
  const throttle = firstNeeded('throttle');
  const restart = firstNeeded('restart-dwfm');
  const dwfm = throttle && restart ? (throttle.t > restart.t ? throttle : restart) : null;
  const failover = firstNeeded('failover-off');
  const team: Record<MilestoneName, { t: number; by: string | null } | null> = {
    'root-cause': rootCause ? { t: rootCause.t, by: rootCause.by } : null,
    'dns-restored': dns,
    'dwfm-restarted': dwfm ? { t: dwfm.t, by: [throttle!.by, restart!.by].filter((b, i, all) => all.indexOf(b) === i).join(' and ') } : null,
    'failover-disabled': failover,
    mitigated: mitigated ? { t: mitigated.t, by: null } : null,
  };
  const milestones = AWS_MILESTONES.map((m) => {
    const done = team[m.name];
    const at = done ? moment(done.t) : null;
    return { name: m.name, label: m.label, awsHours: awsHoursOf(m.at), team: at, by: done?.by ?? null, sentence: compareWithAws(m.verb, at ? at.awsHours : null, awsHoursOf(m.at), m.aws) };
  });

  const timeToDetect = firstImpact && detected ? detected.t - firstImpact.t - pausedBetween(closed, firstImpact.t, detected.t) : null;
  const timeToMitigate = firstImpact && mitigated ? mitigated.t - firstImpact.t - pausedBetween(closed, firstImpact.t, mitigated.t) : null;
  const score: Omit<GameScore, 'summary'> = {
    slo: settings.slo,
    holdMs,
    triggerAt,
    firstImpact,
    detected,
    timeToDetect,
    rootCause,
    mitigated,
    timeToMitigate,
    errorBudget,
    milestones,
    actions,
  };
  return { ...score, summary: summarise(score, clock) };
}

function pausedBetween(pauses: { start: number; end: number }[], from: number, to: number): number {
  return pauses.reduce((n, p) => n + Math.max(0, Math.min(to, p.end) - Math.max(from, p.start)), 0);
}

interface LabAt {
  /** The kv endpoint had no address; null when nothing was measured. */
  dnsEmpty(t: number): boolean | null;
  /** Fewer than 90 % of the droplets held a lease. */
  leasesDown(t: number): boolean | null;
  /** The NLB's health checks flapped (a detected nlb-flapping phase, or its counters rose within the window). */
  flapping(t: number): boolean | null;
}

/** The lab's state at a moment, from the newest sample at or before it (phases for flapping). */
function labAt(samples: (TimelineSample & { at: number })[], phases: Journal['phases'], windowMs: number): LabAt {
  const before = (t: number) => samples.filter((s) => s.at <= t);
  const latest = <K extends keyof TimelineSample>(t: number, key: K) => before(t).findLast((s) => s[key] !== null && s[key] !== undefined)?.[key] ?? null;
  return {
    dnsEmpty: (t) => {
      const n = latest(t, 'kvAddresses');
      return n === null ? null : n === 0;
    },
    leasesDown: (t) => {
      const leased = latest(t, 'dwfmLeased');
      const droplets = latest(t, 'dwfmDroplets');
      return leased === null || droplets === null || droplets === 0 ? null : leased < LEASED_FRACTION_FLOOR * droplets;
    },
    flapping: (t) => {
      if (phases.some((p) => p.name === 'nlb-flapping' && p.start <= t && t <= p.end + windowMs)) return true;
      const counted = before(t).filter((s) => s.nlbFlaps !== null && s.nlbLateChecks !== null);
      if (counted.length === 0) return null;
      const now = counted.at(-1)!;
      const then = counted.find((s) => s.at >= t - windowMs) ?? now;
      return now.nlbFlaps! + now.nlbLateChecks! > then.nlbFlaps! + then.nlbLateChecks!;
    },
  };
}

type Judged = GameScore['actions'][number];

/** Each runbook action judged by the lab's state when it was taken, and by what was taken before it. */
function judge(actions: Extract<GameEntry, { kind: 'action' }>[], lab: LabAt): Judged[] {
  return actions.map((a, i) => {
    const earlier = actions.slice(0, i).filter((b) => b.ok);
    const verdict = (v: Verdict, why: string): Judged => ({ entry: a.id, action: a.action, by: a.by, t: a.t, verdict: v, why });
    if (!a.ok) return verdict('failed', `it failed: ${a.error ?? 'no answer'}`);
    const dnsEmpty = lab.dnsEmpty(a.t);
    const leasesDown = lab.leasesDown(a.t);
    const flapping = lab.flapping(a.t);
    switch (a.action) {
      case 'dns':
        if (dnsEmpty === null) return verdict('unknown', 'the kv endpoint was not measured then');
        return dnsEmpty ? verdict('needed', 'the kv endpoint had no address') : verdict('not-needed', 'the kv endpoint resolved: DNS was fine');
      case 'throttle':
      case 'restart-dwfm': {
        const what = a.action === 'throttle' ? 'throttling launches' : 'restarting DWFM';
        if (dnsEmpty) return verdict('too-early', `${what} before DNS is back changes nothing: DWFM cannot renew a lease without the kv endpoint`);
        if (leasesDown === null) return verdict('unknown', "the droplets' leases were not measured then");
        return leasesDown ? verdict('needed', 'fewer than 90 % of the droplets held a lease, with DNS back') : verdict('not-needed', 'every droplet held its lease');
      }
      case 'unthrottle':
        if (!earlier.some((b) => b.action === 'throttle')) return verdict('not-needed', 'launches were not throttled');
        if (leasesDown) return verdict('too-early', 'DWFM had not leased its droplets again (AWS lifted the throttle once all were, at 05:28)');
        return verdict(leasesDown === null ? 'unknown' : 'needed', leasesDown === null ? "the droplets' leases were not measured then" : 'every droplet was leased again');
      case 'failover-off':
        if (flapping === null) return verdict('unknown', "the NLB's health checks were not measured then");
        return flapping ? verdict('needed', "the NLB's health checks were flapping") : verdict('not-needed', "the NLB's health checks were not flapping");
      case 'failover-on':
        if (!earlier.some((b) => b.action === 'failover-off')) return verdict('not-needed', 'automatic failover was on');
        if (flapping) return verdict('too-early', 'the health checks were still flapping: failover would pull capacity out of DNS again');
        return verdict(flapping === null ? 'unknown' : 'needed', flapping === null ? "the NLB's health checks were not measured then" : 'the flapping was over');
      default:
        return verdict('unknown', `no rule for ${a.action}`);
    }
  });
}

function summarise(score: Omit<GameScore, 'summary'>, clock: LabClock): string[] {
  const lab = (ms: number) => `${labTime(ms)} of lab time (${awsSpan(ms / clock.msPerAwsHour)} at AWS's pace)`;
  const lines: string[] = [];
  if (!score.firstImpact) lines.push(`Customers never fell below the SLO (${(100 * score.slo).toFixed(1)} % success).`);
  else lines.push(`Customers first fell below the SLO (${(100 * score.slo).toFixed(1)} % success) at ${awsTime(score.firstImpact.awsHours)} after the trigger.`);
  if (score.timeToDetect === null) lines.push(score.detected ? `Incident declared at ${awsTime(score.detected.awsHours)}.` : 'No incident was declared.');
  else if (score.timeToDetect < 0) lines.push(`Incident declared ${lab(-score.timeToDetect)} before customers felt it.`);
  else lines.push(`Time to detect: ${lab(score.timeToDetect)} after the first customer impact.`);
  lines.push(score.rootCause ? `Root cause named by ${score.rootCause.by} at ${awsTime(score.rootCause.awsHours)}.` : 'No hypothesis named the root cause (the kv endpoint\'s DNS records, or the enactors).');
  lines.push(score.timeToMitigate === null ? 'Customers were not back above the SLO, holding, by the end of the game.' : `Time to mitigate: ${lab(score.timeToMitigate)} after the first customer impact.`);
  const b = score.errorBudget;
  if (b.burned !== null) lines.push(`Error budget burned: ${Math.round(100 * b.burned)} % (${b.failed} failed of ${b.requests} requests; the SLO allows ${Math.round(b.allowed)}).`);
  for (const m of score.milestones) lines.push(`${m.sentence[0]!.toUpperCase()}${m.sentence.slice(1)}.`);
  const off = score.actions.filter((a) => a.verdict === 'not-needed' || a.verdict === 'too-early');
  const plural = (n: number) => `${n} action${n === 1 ? '' : 's'}`;
  if (off.length) lines.push(`${plural(off.length)} not needed or too early: ${off.map((a) => `${a.action} (${a.verdict}: ${a.why})`).join('; ')}.`);
  const unknown = score.actions.filter((a) => a.verdict === 'unknown').length;
  if (unknown) lines.push(`${plural(unknown)} could not be judged: the lab was not measured when ${unknown === 1 ? 'it was' : 'they were'} taken.`);
  if (score.actions.length === 0) lines.push('No runbook action was taken.');
  else if (score.actions.every((a) => a.verdict === 'needed')) lines.push('Every action taken was needed when it was taken.');
  return lines;
}
