// A synthetic journal shaped like a full cascade run (faults, the four phases, a timeline every second),
// and the same run played as a game day, for the report's tests and the README's picture
// (scripts/report-picture.mjs). Not a measured run:
// the numbers are drawn to look like one, and its description says so.
import { Random } from '../../lib/random.js';
import { SERIES, type SeriesName, type TimelineEvent, type TimelineSample } from '../controller/timeline.js';
import type { Journal } from '../experiments/runner.js';
import type { GameEntry } from '../gameday/contract.js';
import { scoreGame } from '../gameday/score.js';
import { composeServices } from '../topology.js';

const S = 1000;

export function sampleJournal(seed = 7): Journal {
  const random = new Random(seed);
  const noise = (spread: number) => (random.next() - 0.5) * spread;
  const startedAt = Date.UTC(2025, 9, 20, 6, 48, 0);
  const durationMs = 160 * S;
  const phases = [
    { name: 'dns-empty', start: 36 * S, end: 62 * S },
    { name: 'lease-collapse', start: 44 * S, end: 100 * S },
    { name: 'propagation-backlog', start: 100 * S, end: 128 * S },
    { name: 'nlb-flapping', start: 108 * S, end: 145 * S },
  ];
  const inPhase = (name: string, t: number) => phases.some((p) => p.name === name && t >= p.start && t < p.end);
  const timeline: TimelineSample[] = [];
  let leased = 12;
  let queue = 0;
  let backlog = 0;
  // Service names as the compose file has them.
  const services = composeServices();
  const ec2 = services.find((x) => x.kind === 'ec2')!.name;
  const nlb = services.find((x) => x.kind === 'nlb')!.name;
  const events: [number, string, string, Record<string, unknown>][] = [
    [5, 'dns-enactor-az-b', 'lock-lost', { endpoint: 'kv.us-east-1.lab.internal', attempt: 3 }],
    [35, 'dns-enactor-az-b', 'plan-applied', { generation: 41, newest: 97 }],
    [36, 'dns-enactor-az-a', 'cleanup', { deleted: [41], active: 41 }],
    [45, ec2, 'lease-expired', { droplet: 'd-az-a-1' }],
    [62, 'controller', 'repair', { action: 'dns', generation: 131 }],
    [85, ec2, 'throttle-enabled', { by: 'operator' }],
    [110, nlb, 'failover', { from: 'az-b', to: 'az-a' }],
  ];
  for (let s = 0; s <= 160; s++) {
    const t = s * S;
    const dnsEmpty = inPhase('dns-empty', t);
    const flapping = inPhase('nlb-flapping', t);
    if (s > 40 && s < 64 && leased > 0 && s % 2 === 0) leased--;
    if (s >= 64 && s < 85) queue = Math.min(90, queue + 4 + noise(3));
    if (s >= 85) {
      queue = Math.max(0, queue - 7);
      if (leased < 12 && s % 1 === 0) leased = Math.min(12, leased + 1);
    }
    if (s >= 98 && s < 112) backlog = Math.min(70, backlog + 5 + noise(2));
    if (s >= 112) backlog = Math.max(0, backlog - 3 + noise(1));
    const successRate = dnsEmpty ? 0.02 + noise(0.02) : flapping ? 0.75 + noise(0.4) : 0.998 + noise(0.004);
    const sample = { t: startedAt + t, events: [] as TimelineEvent[] } as unknown as TimelineSample;
    for (const name of Object.keys(SERIES) as SeriesName[]) sample[name] = null;
    Object.assign(sample, {
      customerRequests: 200,
      customerSuccessRate: Math.min(1, Math.max(0, successRate)),
      customerP99Ms: Math.round(dnsEmpty ? 2000 : flapping ? 400 + noise(500) : 7 + noise(4)),
      kvAddresses: dnsEmpty ? 0 : 3,
      dwfmLeased: leased,
      dwfmDroplets: 12,
      dwfmQueueDepth: Math.round(queue),
      dwfmTimeouts: 0,
      networkBacklog: Math.round(backlog),
      networkP99Ms: backlog > 0 ? 800 + backlog * 40 : 50,
      nlbHealthyCapacity: flapping ? (s % 6 < 3 ? 3 : 9) : 9,
      nlbFlaps: 0,
      nlbLateChecks: 0,
    });
    for (const [at, service, type, data] of events) if (at === s) sample.events.push({ service, time: startedAt + t, type, data });
    timeline.push(sample);
  }
  const requests = timeline.reduce((n, x) => n + (x.customerRequests ?? 0), 0);
  const successes = Math.round(timeline.reduce((n, x) => n + (x.customerRequests ?? 0) * (x.customerSuccessRate ?? 0), 0));
  const activity = (phase: Journal['activities'][number]['phase'], type: string, name: string, start: number, end: number, ok: boolean) => ({ phase, type, name, start: start * S, end: end * S, ok });
  return {
    scenario: 'aws-2025-10-20',
    title: 'aws-2025-10-20 (synthetic sample)',
    description: 'A synthetic journal drawn to look like a full cascade run, for the README picture; not a measured run.',
    seed,
    fixes: [],
    clock: '1h=10s',
    configuration: { endpoint: 'kv.us-east-1.lab.internal', enactor: 'az-b' },
    status: 'deviated',
    startedAt: new Date(startedAt).toISOString(),
    durationMs,
    phases,
    faults: [
      { kind: 'toxic', target: 'enactor-az-b', name: 'lab_latency_downstream', spec: { latency: 400 }, start: 2 * S, end: 30 * S },
      { kind: 'toxic', target: 'enactor-az-b', name: 'lab_latency_downstream', spec: { latency: 500 }, start: 30 * S, end: 38 * S },
    ],
    customer: { requests, successes, successRate: successes / requests, errors: { dns: Math.round((requests - successes) * 0.6), connection: Math.round((requests - successes) * 0.4) } },
    hypothesis: { title: 'customers succeed and the kv endpoint resolves', before: true, after: false },
    activities: [
      activity('hypothesis-before', 'probe', 'kv-endpoint-has-addresses', 0, 0.1, true),
      activity('method', 'action', 'slow-the-enactor-link-400ms', 2, 2.1, true),
      activity('method', 'probe', 'wait-for-the-endpoint-to-empty', 2.1, 30, false),
      activity('method', 'action', 'slow-the-enactor-link-500ms', 30, 30.1, true),
      activity('method', 'probe', 'wait-for-the-endpoint-to-empty', 30.1, 36.2, true),
      activity('method', 'action', 'remove-the-fault', 38, 38.1, true),
      activity('method', 'action', 'repair-dns', 62, 62.4, true),
      activity('method', 'action', 'throttle-dwfm-and-restart', 85, 85.3, true),
      activity('method', 'probe', 'wait-for-leases', 85.3, 100, true),
      activity('hypothesis-after', 'probe', 'customers-succeed', 159, 160, false),
      activity('rollback', 'action', 'remove-every-injected-fault', 160, 160, true),
    ],
    timeline,
  };
}

/**
 * The sample journal played as a game day by a team of three: a declaration, hypotheses (one with markup
 * in it, one naming the root cause), the runbook taken (once too early), a fault the facilitator added
 * and a pause; scored as a game would be.
 */
export function sampleGameJournal(seed = 7): Journal {
  const journal = sampleJournal(seed);
  const t0 = Date.parse(journal.startedAt);
  let n = 0;
  const entry = (t: number, by: string, e: Record<string, unknown>) => ({ id: `entry-${++n}`, at: t0 + t * S, t: t * S, by, role: 'responder', ...e }) as GameEntry;
  const entries: GameEntry[] = [
    entry(40, 'Alice', { kind: 'declare', summary: 'customers see <b>5xx</b> on the app endpoint' }),
    entry(45, 'Bob', { kind: 'hypothesis', text: 'redis | is *down*', service: null }),
    entry(50, 'Carol', { kind: 'hypothesis', text: '<script>alert(1)</script> the kv endpoint has no DNS records', service: 'dns-server' }),
    entry(55, 'Bob', { kind: 'action', action: 'restart-dwfm', ok: true, result: '{"service":"launcher"}' }),
    entry(58, 'Carol', { kind: 'action', action: 'dns', ok: true, result: '{"action":"dns","generation":131}' }),
    entry(70, 'Alice', { kind: 'action', action: 'throttle', ok: true }),
    entry(72, 'Alice', { kind: 'action', action: 'restart-dwfm', ok: true }),
    entry(115, 'Bob', { kind: 'action', action: 'failover-off', ok: true }),
  ];
  const pauses = [{ start: 120 * S, end: 125 * S }];
  const settings = { trigger: 'wait-for-the-endpoint-to-empty', slo: 0.95, hold: { aws: '30m' } };
  return {
    ...journal,
    game: {
      team: 'Blue team',
      startedAt: t0,
      endedAt: t0 + journal.durationMs,
      ending: 'by the facilitator',
      pauses,
      entries,
      faults: [{ id: 'f1', kind: 'pause-loop', target: 'dns-enactor-az-a', params: {}, start: 90 * S, end: 100 * S }],
      score: scoreGame({ journal, settings, entries, pauses }),
    },
  };
}
