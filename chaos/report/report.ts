// report.html: one self-contained page (inline CSS and SVG, no script, no network) that a game-day
// room can read: the verdict, charts of the lab over the run with fault windows shaded and phases
// marked, the lab's phases next to the real 20 October timeline, and every activity with its times.
import type { TimelineSample } from '../controller/timeline.js';
import type { Journal } from '../experiments/runner.js';
import { gameBands, gameLanes, gameSection } from './game.js';
import { incidentFit, placeIncident } from './incident.js';
import { esc, formatSeconds, lanes, lineChart, type Band, type LaneRow, type Line } from './svg-chart.js';

export const PHASE_COLORS: Record<string, string> = {
  'dns-empty': '#d93025',
  'lease-collapse': '#e37400',
  'propagation-backlog': '#9334e6',
  'nlb-flapping': '#1a73e8',
};
const phaseColor = (name: string) => PHASE_COLORS[name] ?? '#5f6368';
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

type NumericKey = Exclude<keyof TimelineSample, 't' | 'events' | 'eventsDropped'>;

function series(samples: TimelineSample[], t0: number, key: NumericKey, scale = 1): [number, number | null][] {
  return samples.map((s) => [s.t - t0, s[key] === null || s[key] === undefined ? null : (s[key] as number) * scale]);
}

function bandsOf(journal: Journal): Band[] {
  const end = journal.durationMs;
  const names = [...new Set(journal.phases.map((p) => p.name))];
  return [
    ...journal.faults.map((f): Band => ({ kind: 'fault', start: f.start, end: f.end ?? end, label: `fault: ${f.kind} ${f.name} on ${f.target} (${sec(f.start)}–${sec(f.end ?? end)})` })),
    ...journal.phases.map((p): Band => ({ kind: 'phase', start: p.start, end: p.end, label: `phase ${p.name} (${sec(p.start)}–${sec(p.end)})`, color: phaseColor(p.name), row: names.indexOf(p.name) })),
    ...gameBands(journal),
  ];
}

export function charts(journal: Journal): string {
  const t0 = Date.parse(journal.startedAt);
  const samples = journal.timeline ?? [];
  const xMax = journal.durationMs;
  const bands = bandsOf(journal);
  const chart = (title: string, lines: Line[], extra: { yMin?: number; yMax?: number; unit?: string } = {}) => lineChart({ title, xMax, lines, bands, ...extra });
  return [
    chart('Customer success rate', [{ label: 'successful requests (%)', color: '#188038', points: series(samples, t0, 'customerSuccessRate', 100) }], { yMin: 0, yMax: 100, unit: '%' }),
    chart('Customer latency', [{ label: 'p99 (ms)', color: '#1a73e8', points: series(samples, t0, 'customerP99Ms') }], { yMin: 0 }),
    chart('Addresses in kv.us-east-1.lab.internal', [{ label: 'A records answered', color: '#d93025', points: series(samples, t0, 'kvAddresses') }], { yMin: 0 }),
    chart(
      'Leased droplets',
      [
        { label: 'leased', color: '#e37400', points: series(samples, t0, 'dwfmLeased') },
        { label: 'droplets', color: '#9aa0a6', points: series(samples, t0, 'dwfmDroplets'), dashed: true },
      ],
      { yMin: 0 },
    ),
    chart(
      'Work queues',
      [
        { label: 'DWFM queue depth', color: '#e37400', points: series(samples, t0, 'dwfmQueueDepth') },
        { label: 'network-manager backlog', color: '#9334e6', points: series(samples, t0, 'networkBacklog') },
      ],
      { yMin: 0 },
    ),
    chart('NLB healthy capacity', [{ label: 'targets in service', color: '#1a73e8', points: series(samples, t0, 'nlbHealthyCapacity') }], { yMin: 0 }),
  ].join('\n');
}

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)} %`);

/** Each phase's overlap with AWS's (IoU), and the customers in AWS's windows, at the run's clock. */
export function fitTable(journal: Journal): string {
  const fit = incidentFit(journal);
  const ious = Object.entries(fit.iou).map(([phase, v]) => `<tr><td>${esc(phase)}</td><td>${v === null ? 'not seen' : v.toFixed(2)}</td></tr>`).join('');
  const c = fit.customers;
  const windows = [
    ['before the race', c.before],
    ['AWS 23:48–02:25 (kv endpoint empty)', c.dnsEmpty],
    ['AWS 05:30–14:09 (NLB impact)', c.nlbWindow],
    ['AWS 10:06–14:09 (half an hour after failover was disabled)', c.afterFailoverOff],
    ['the whole run', c.overall],
  ] as const;
  return `<h2>Against AWS's timeline</h2><table><tr><th>phase</th><th>IoU with AWS's interval</th></tr>${ious}</table><table><tr><th>customer success</th><th></th></tr>${windows.map(([label, v]) => `<tr><td>${esc(label)}</td><td>${pct(v)}</td></tr>`).join('')}</table>`;
}

/** Faults, detected phases, and the real incident scaled onto the run, on the charts' x axis. */
export function phaseLanes(journal: Journal): string {
  const end = journal.durationMs;
  const incident = placeIncident(journal.clock, journal.phases, journal.raceAt);
  const rows: LaneRow[] = [
    {
      label: 'faults',
      bars: journal.faults.map((f) => ({ start: f.start, end: f.end ?? end, label: f.name, color: '#fbbc04', title: `${f.kind} ${f.name} on ${f.target}: ${JSON.stringify(f.spec)}` })),
    },
    ...gameLanes(journal),
    ...(journal.phases.length ? [...new Set(journal.phases.map((p) => p.name))] : ['(none detected)']).map(
      (name): LaneRow => ({
        label: `lab: ${name}`,
        bars: journal.phases.filter((p) => p.name === name).map((p) => ({ start: p.start, end: p.end, label: name, color: phaseColor(name), title: `${name}: ${sec(p.start)}–${sec(p.end)}${p.ongoing ? ' (still going at the end)' : ''}` })),
      }),
    ),
    ...incident.periods.map(
      (p): LaneRow => ({
        label: `AWS: ${p.phase ?? 'EC2'}`,
        bars: [{ start: p.start, end: p.end, label: `${p.from}–${p.to}`, color: p.phase ? phaseColor(p.phase) : '#5f6368', title: `20 Oct 2025, ${p.from}–${p.to} PDT: ${p.label}` }],
        marks: p.phase === null ? incident.marks.filter((m) => m.at <= end) : [],
      }),
    ),
  ];
  const scale = `the run's lab clock ${journal.clock}: ${((incident.msPerMinute * 60) / 1000).toFixed(1)} s of this run per AWS hour`;
  const aligned = incident.alignedAt > 0 ? `23:48 PDT (the race) at ${sec(incident.alignedAt)}` : "23:48 PDT (the race) at the run's start";
  return `${lanes(rows, end)}<p class="note">AWS rows: the real timeline of 19–20 October 2025 (INCIDENT.md), ${esc(aligned)}, placed by ${esc(scale)}; what falls after the run's end is cut off. Ticks on the EC2 row: ${incident.marks.map((m) => esc(m.label)).join('; ')}.</p>`;
}

function events(journal: Journal): string {
  const t0 = Date.parse(journal.startedAt);
  const all = (journal.timeline ?? []).flatMap((s) => s.events);
  if (all.length === 0) return '';
  const shown = all.slice(0, 500);
  const dropped = (journal.timeline ?? []).reduce((n, s) => n + (s.eventsDropped ?? 0), 0) + all.length - shown.length;
  return `<details><summary>${all.length} service events${dropped ? ` (${dropped} more not shown)` : ''}</summary><table><tr><th>when</th><th>service</th><th>event</th><th>data</th></tr>${shown
    .map((e) => `<tr><td>${formatSeconds(e.time - t0)}</td><td>${esc(e.service)}</td><td>${esc(e.type)}</td><td><code>${esc(JSON.stringify(e.data))}</code></td></tr>`)
    .join('')}</table></details>`;
}

const STYLE = `
body{font:14px system-ui,sans-serif;margin:2em auto;max-width:68em;padding:0 1em;color:#202124}
h1{margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #e0e0e0;padding-bottom:.2em}
.verdict{font-size:1.2em;padding:.4em .9em;border-radius:4px;display:inline-block}
.completed{background:#e6f4ea}.deviated{background:#fce8e6}.aborted{background:#fef7e0}
table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .7em;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top}
.chart{margin:.6em 0}.chart figcaption{font-size:13px;margin-left:17%}.key{margin-left:1.2em;color:#5f6368}.key i{display:inline-block;width:.9em;height:.25em;vertical-align:middle;margin-right:.3em}
svg text{font:11px system-ui,sans-serif;fill:#5f6368}.grid{stroke:#eee}.series{fill:none;stroke-width:1.8}
.fault-window{fill:#fbbc04;opacity:.2}.lane{fill:#f6f6f6}.lane-bar text{fill:#fff;font-size:10px}.lane-bar text.on-light{fill:#202124}.lane-mark line{stroke:#202124;stroke-width:1.5}
.lane-label{fill:#202124}.empty{font-size:13px}.note{color:#5f6368;font-size:12px}
.score li{margin:.2em 0}.action-mark line{stroke-width:1.5;stroke-dasharray:2 2}
.legend span{margin-right:1.5em}.legend i{display:inline-block;width:1em;height:.8em;vertical-align:middle;margin-right:.3em}
pre,code{background:#f6f6f6;font-size:12px}pre{padding:.5em;overflow:auto;max-height:12em}
`;

export function renderReport(journal: Journal): string {
  const verdict = { completed: 'the steady state held', deviated: 'the steady state deviated', aborted: 'aborted' }[journal.status];
  const rate = journal.customer.successRate === null ? 'no customer requests' : `${(100 * journal.customer.successRate).toFixed(2)} % of ${journal.customer.requests} requests succeeded`;
  const legend = `<p class="legend"><span><i style="background:#fbbc04;opacity:.4"></i>fault window</span>${Object.entries(PHASE_COLORS)
    .map(([name, color]) => `<span><i style="background:${color}"></i>${esc(name)}</span>`)
    .join('')}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cascade-lab: ${esc(journal.scenario)}</title><style>${STYLE}</style></head><body>
<h1>${esc(journal.title)}</h1>
<p>${esc(journal.description)}</p>
<p class="verdict ${journal.status}">${esc(journal.status)}: ${esc(verdict)}${journal.reason ? ` (${esc(journal.reason)})` : ''}</p>
<table>
<tr><th>scenario</th><td>${esc(journal.scenario)}</td></tr>
<tr><th>seed</th><td>${journal.seed}</td></tr>
<tr><th>fixes</th><td>${esc(journal.fixes.join(', ') || 'none')}</td></tr>
<tr><th>configuration</th><td><code>${esc(JSON.stringify(journal.configuration))}</code></td></tr>
<tr><th>started</th><td>${esc(journal.startedAt)}, ran ${sec(journal.durationMs)}</td></tr>
<tr><th>customers</th><td>${esc(rate)}${Object.keys(journal.customer.errors).length ? `; errors ${esc(JSON.stringify(journal.customer.errors))}` : ''}</td></tr>
<tr><th>hypothesis</th><td>${esc(journal.hypothesis.title)}: before ${journal.hypothesis.before}, after ${journal.hypothesis.after}</td></tr>
${journal.abortedBy ? `<tr><th>aborted by</th><td>${esc(journal.abortedBy.condition)} at ${sec(journal.abortedBy.at)} (violated since ${sec(journal.abortedBy.since)})</td></tr>` : ''}
</table>
${gameSection(journal)}
<h2>The run next to 20 October 2025</h2>
${phaseLanes(journal)}
<h2>The lab over time</h2>
${legend}
${(journal.timeline ?? []).length ? '' : '<p class="note">No timeline was recorded for this run (the lab was sampled by nobody): the charts are empty.</p>'}
${charts(journal)}
${events(journal)}
<h2>Phases</h2><table><tr><th>phase</th><th>start</th><th>end</th></tr>${journal.phases.map((p) => `<tr><td>${esc(p.name)}</td><td>${sec(p.start)}</td><td>${sec(p.end)}${p.ongoing ? ' (still going)' : ''}</td></tr>`).join('') || '<tr><td colspan="3">none detected</td></tr>'}</table>
${fitTable(journal)}
<h2>Activities</h2><table><tr><th>when</th><th>part</th><th>activity</th><th>result</th></tr>
${journal.activities.map((a) => `<tr><td>${sec(a.start)} – ${sec(a.end)}</td><td>${esc(a.phase)}</td><td>${esc(a.type)} ${esc(a.name)}</td><td>${a.ok ? 'ok' : 'not met'}${a.error ? `: ${esc(a.error)}` : ''}<pre>${esc(JSON.stringify(a.output ?? null))}</pre></td></tr>`).join('')}
</table></body></html>
`;
}
