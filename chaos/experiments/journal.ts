// Writes a run's journal.json and report.html: one self-contained page (no network, no toolchain)
// that a game-day room can read: the verdict, the phases next to the faults, the customer's view and
// every action with its timestamps.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Journal } from './runner.js';

const esc = (s: unknown) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function writeRun(dir: string, journal: Journal): { journal: string; report: string } {
  mkdirSync(dir, { recursive: true });
  const journalPath = join(dir, 'journal.json');
  const reportPath = join(dir, 'report.html');
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  writeFileSync(reportPath, renderReport(journal));
  return { journal: journalPath, report: reportPath };
}

function timeline(journal: Journal): string {
  const total = Math.max(1, journal.durationMs);
  const bar = (start: number, end: number, cls: string, label: string) =>
    `<div class="bar ${cls}" style="left:${(100 * start) / total}%;width:${Math.max(0.5, (100 * (end - start)) / total)}%" title="${esc(label)}">${esc(label)}</div>`;
  const rows = [
    ...journal.faults.map((f) => `<div class="row"><span>fault</span><div class="lane">${bar(f.start, f.end ?? total, 'fault', `${f.kind} on ${f.target}`)}</div></div>`),
    ...journal.phases.map((p) => `<div class="row"><span>phase</span><div class="lane">${bar(p.start, p.end, 'phase', p.name + (p.ongoing ? ' (ongoing)' : ''))}</div></div>`),
  ];
  return `<div class="timeline">${rows.join('') || '<p>No faults and no phases.</p>'}<div class="axis"><span>0 s</span><span>${sec(total)}</span></div></div>`;
}

export function renderReport(journal: Journal): string {
  const verdict = { completed: 'the steady state held', deviated: 'the steady state deviated', aborted: 'aborted' }[journal.status];
  const rate = journal.customer.successRate === null ? 'no customer requests' : `${(100 * journal.customer.successRate).toFixed(2)} % of ${journal.customer.requests} requests succeeded`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cascade-lab: ${esc(journal.scenario)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
.verdict{font-size:1.3em;padding:.5em 1em;border-radius:4px;display:inline-block}
.completed{background:#e6f4ea}.deviated{background:#fce8e6}.aborted{background:#fef7e0}
table{border-collapse:collapse;margin:1em 0}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.timeline{margin:1em 0}.row{display:flex;align-items:center;margin:.2em 0}.row>span{width:4em;color:#666}
.lane{position:relative;flex:1;height:1.6em;background:#f6f6f6}.bar{position:absolute;top:0;height:100%;overflow:hidden;white-space:nowrap;font-size:12px;padding-left:.3em;box-sizing:border-box}
.fault{background:#fbbc04}.phase{background:#ea4335;color:#fff}.axis{display:flex;justify-content:space-between;margin-left:4em;color:#666;font-size:12px}
pre{background:#f6f6f6;padding:.5em;overflow:auto;max-height:12em}
</style></head><body>
<h1>${esc(journal.title)}</h1>
<p>${esc(journal.description)}</p>
<p class="verdict ${journal.status}">${esc(journal.status)}: ${esc(verdict)}${journal.reason ? ` (${esc(journal.reason)})` : ''}</p>
<table>
<tr><th>seed</th><td>${journal.seed}</td></tr>
<tr><th>fixes</th><td>${esc(journal.fixes.join(', ') || 'none')}</td></tr>
<tr><th>configuration</th><td>${esc(JSON.stringify(journal.configuration))}</td></tr>
<tr><th>started</th><td>${esc(journal.startedAt)}, ran ${sec(journal.durationMs)}</td></tr>
<tr><th>customers</th><td>${esc(rate)}${Object.keys(journal.customer.errors).length ? `; errors ${esc(JSON.stringify(journal.customer.errors))}` : ''}</td></tr>
<tr><th>hypothesis</th><td>${esc(journal.hypothesis.title)}: before ${journal.hypothesis.before}, after ${journal.hypothesis.after}</td></tr>
</table>
<h2>Timeline</h2>${timeline(journal)}
<h2>Phases</h2><table><tr><th>phase</th><th>start</th><th>end</th></tr>${journal.phases.map((p) => `<tr><td>${esc(p.name)}</td><td>${sec(p.start)}</td><td>${sec(p.end)}${p.ongoing ? ' (still going)' : ''}</td></tr>`).join('') || '<tr><td colspan="3">none detected</td></tr>'}</table>
<h2>Activities</h2><table><tr><th>when</th><th>part</th><th>activity</th><th>result</th></tr>
${journal.activities.map((a) => `<tr><td>${sec(a.start)} – ${sec(a.end)}</td><td>${esc(a.phase)}</td><td>${esc(a.type)} ${esc(a.name)}</td><td>${a.ok ? 'ok' : 'not met'}${a.error ? `: ${esc(a.error)}` : ''}<pre>${esc(JSON.stringify(a.output ?? null))}</pre></td></tr>`).join('')}
</table></body></html>
`;
}
