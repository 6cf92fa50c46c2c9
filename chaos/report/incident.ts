// The real 20 October 2025 timeline (shared INCIDENT.md, from Amazon's post-event summary; times PDT),
// as data the report places on a run by its lab clock: the lab's phases drawn next to what happened at AWS.
import { defaultLabClock, LabClock } from '../../lib/lab-clock.js';

export interface IncidentPeriod {
  /** The lab phase it corresponds to, when there is one. */
  phase: string | null;
  label: string;
  from: string;
  to: string;
}

/** The race fired at 23:48 on 19 October; every later time is on 20 October. */
export const INCIDENT_START = '23:48';
export const INCIDENT_END = '14:20';

export const INCIDENT_PERIODS: IncidentPeriod[] = [
  { phase: 'dns-empty', label: 'DynamoDB endpoint empty in DNS', from: '23:48', to: '02:25' },
  { phase: 'lease-collapse', label: 'DWFM leases lost, congestive collapse after 02:25, all back 05:28', from: '23:48', to: '05:28' },
  { phase: 'propagation-backlog', label: 'network manager backlog (latency up from 06:21)', from: '05:28', to: '10:36' },
  { phase: 'nlb-flapping', label: 'NLB health checks flap, AZ failover', from: '05:30', to: '14:09' },
  { phase: null, label: 'EC2 launches impaired', from: '23:48', to: '13:50' },
];

export const INCIDENT_MARKS: { at: string; label: string }[] = [
  { at: '00:38', label: 'root cause identified' },
  { at: '01:15', label: 'temporary mitigations' },
  { at: '02:25', label: 'DNS restored by operators' },
  { at: '04:14', label: 'DWFM work throttled, hosts restarted' },
  { at: '06:52', label: 'NLB impact detected' },
  { at: '09:36', label: 'automatic health-check failover disabled' },
  { at: '13:50', label: 'EC2 fully recovered' },
  { at: '14:20', label: 'event over' },
];

/** Minutes since the race fired (23:48 on 19 October). */
export function minutesSinceStart(clock: string): number {
  const [h, m] = clock.split(':').map(Number) as [number, number];
  const [h0, m0] = INCIDENT_START.split(':').map(Number) as [number, number];
  const minutes = h * 60 + m - (h0 * 60 + m0);
  return minutes < 0 ? minutes + 24 * 60 : minutes;
}

export const INCIDENT_MINUTES = minutesSinceStart(INCIDENT_END); // 872: 14 h 32 min

/** Hours after the race from which customers count as recovered: half an hour after failover was disabled (09:36). */
export const AFTER_FAILOVER_OFF_H = minutesSinceStart('09:36') / 60 + 0.5;

export interface PlacedIncident {
  /** ms from run start where 23:48 falls */
  alignedAt: number;
  /** run ms per AWS minute, from the run's lab clock */
  msPerMinute: number;
  periods: (IncidentPeriod & { start: number; end: number })[];
  marks: { at: number; label: string }[];
}

/**
 * AWS's timeline on a run's time axis: 23:48 at the race (`raceAt`, the journal's; else the run's first
 * dns-empty start; else its start), and every later time by the run's lab clock: at 1h=10s, 02:25 falls
 * 26.2 s after the race. Never stretched to fit: a run that ended early shows how much of the event it held.
 */
export function placeIncident(clock: string, phases: { name: string; start: number }[], raceAt?: number | null): PlacedIncident {
  const dns = phases.filter((p) => p.name === 'dns-empty').sort((a, b) => a.start - b.start)[0];
  const alignedAt = raceAt ?? dns?.start ?? 0;
  const msPerMinute = labClockOf(clock).minutes(1);
  const at = (time: string) => alignedAt + minutesSinceStart(time) * msPerMinute;
  return {
    alignedAt,
    msPerMinute,
    periods: INCIDENT_PERIODS.map((p) => ({ ...p, start: at(p.from), end: at(p.to) })),
    marks: INCIDENT_MARKS.map((m) => ({ at: at(m.at), label: `${m.at} PDT: ${m.label}` })),
  };
}

/** A journal's clock; one written before the lab had a clock played at the default. */
function labClockOf(text: string | undefined): LabClock {
  try {
    return LabClock.parse(text ?? '');
  } catch {
    return defaultLabClock();
  }
}

/** AWS's interval of each lab phase, in AWS hours after the race fired (INCIDENT.md's timeline). */
export function awsPhaseHours(phase: string): { start: number; end: number } | null {
  const period = INCIDENT_PERIODS.find((p) => p.phase === phase);
  return period ? { start: minutesSinceStart(period.from) / 60, end: minutesSinceStart(period.to) / 60 } : null;
}

/** Intersection over union of two intervals (0 when either is empty). */
export function iou(a: { start: number; end: number }, b: { start: number; end: number }): number {
  const inter = Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union > 0 ? inter / union : 0;
}

/**
 * How each lab phase overlaps AWS's, placed on the event by the lab clock: the race fired (23:48) at
 * `raceAtMs` (the run's first dns-empty start), one AWS hour is `msPerAwsHour`. A phase detected more than
 * once counts from its first start to its last end. IoU is null for a phase the run never saw.
 */
export function phaseIoU(phases: { name: string; start: number; end: number }[], raceAtMs: number, msPerAwsHour: number): Record<string, { labHours: { start: number; end: number } | null; iou: number | null }> {
  const out: Record<string, { labHours: { start: number; end: number } | null; iou: number | null }> = {};
  for (const period of INCIDENT_PERIODS) {
    if (!period.phase) continue;
    const seen = phases.filter((p) => p.name === period.phase);
    const aws = awsPhaseHours(period.phase)!;
    if (seen.length === 0) {
      out[period.phase] = { labHours: null, iou: null };
      continue;
    }
    const labHours = {
      start: (Math.min(...seen.map((p) => p.start)) - raceAtMs) / msPerAwsHour,
      end: (Math.max(...seen.map((p) => p.end)) - raceAtMs) / msPerAwsHour,
    };
    out[period.phase] = { labHours, iou: iou(labHours, aws) };
  }
  return out;
}

/** Customer success in the windows that matter, as AWS's customers lived them. */
export interface CustomerWindows {
  /** Before the race fired. */
  before: number | null;
  /** While AWS's DynamoDB endpoint was empty (23:48–02:25). */
  dnsEmpty: number | null;
  /** AWS's NLB impact (05:30–14:09). */
  nlbWindow: number | null;
  /** Half an hour after the operators disabled failover (09:36) to the end of the NLB impact. */
  afterFailoverOff: number | null;
  /** The whole run. */
  overall: number | null;
}

/**
 * Where customers' requests in AWS's NLB window failed at the NLB, as shares of their requests there (null:
 * not sampled, as in journals written before these counts, 6 December 2026).
 */
export interface NlbFailures {
  /**
   * Lost to capacity the NLB removed: the name had no NLB node (failover took them all out of DNS), or the
   * NLB refused the request itself (a node at its capacity, or no target in service). What velocity control
   * limits.
   */
  capacity: number | null;
  /** Forwarded to a target that failed them (a new instance whose network state had not arrived). */
  targetErrors: number | null;
}

export interface IncidentFit {
  raceAt: number | null;
  /** Each phase's IoU with AWS's interval (null: not seen). */
  iou: Record<string, number | null>;
  customers: CustomerWindows;
  /** The NLB's failures in AWS's NLB window (05:30–14:09), by where they came from. */
  nlbWindowFailures: NlbFailures;
}

interface FitJournal {
  clock: string;
  raceAt?: number | null;
  startedAt: string;
  phases: { name: string; start: number; end: number }[];
  timeline: {
    t: number;
    customerRequests: number | null;
    customerSuccessRate: number | null;
    customerDnsErrors?: number | null;
    nlbRefused?: number | null;
    nlbTargetErrors?: number | null;
  }[];
}

/** How a run fits the 20 October timeline: phases against AWS's, customers in AWS's windows. */
export function incidentFit(journal: FitJournal): IncidentFit {
  const clock = labClockOf(journal.clock);
  const placed = placeIncident(journal.clock, journal.phases, journal.raceAt);
  const raceAt = journal.raceAt ?? (journal.phases.some((p) => p.name === 'dns-empty') ? placed.alignedAt : null);
  const iouByPhase = Object.fromEntries(Object.entries(phaseIoU(journal.phases, placed.alignedAt, clock.msPerAwsHour)).map(([k, v]) => [k, v.iou]));
  const t0 = Date.parse(journal.startedAt);
  /** The samples taken from `from` to `to` (ms after the run's start). */
  const within = (from: number, to: number) => journal.timeline.filter((s) => s.t - t0 >= from && s.t - t0 < to);
  const success = (from: number, to: number) => {
    let requests = 0;
    let ok = 0;
    for (const s of within(from, to)) {
      if (!s.customerRequests || s.customerSuccessRate === null) continue;
      requests += s.customerRequests;
      ok += s.customerRequests * s.customerSuccessRate;
    }
    return requests > 0 ? ok / requests : null;
  };
  const nlbFailures = (from: number, to: number): NlbFailures => {
    const samples = within(from, to);
    const requests = samples.reduce((n, s) => n + (s.customerRequests ?? 0), 0);
    const sampled = samples.filter((s) => s.nlbRefused != null || s.customerDnsErrors != null);
    if (sampled.length === 0 || requests === 0) return { capacity: null, targetErrors: null };
    const capacity = sampled.reduce((n, s) => n + (s.customerDnsErrors ?? 0) + (s.nlbRefused ?? 0), 0);
    const targetErrors = sampled.reduce((n, s) => n + (s.nlbTargetErrors ?? 0), 0);
    return { capacity: capacity / requests, targetErrors: targetErrors / requests };
  };
  const hours = (h: number) => placed.alignedAt + clock.hours(h);
  const nlb = awsPhaseHours('nlb-flapping')!;
  const dns = awsPhaseHours('dns-empty')!;
  const failoverOff = AFTER_FAILOVER_OFF_H;
  return {
    raceAt,
    iou: iouByPhase,
    customers: {
      before: raceAt === null ? null : success(-Infinity, raceAt),
      dnsEmpty: raceAt === null ? null : success(hours(dns.start), hours(dns.end)),
      nlbWindow: raceAt === null ? null : success(hours(nlb.start), hours(nlb.end)),
      afterFailoverOff: raceAt === null ? null : success(hours(failoverOff), hours(nlb.end)),
      overall: success(-Infinity, Infinity),
    },
    nlbWindowFailures: raceAt === null ? { capacity: null, targetErrors: null } : nlbFailures(hours(nlb.start), hours(nlb.end)),
  };
}
