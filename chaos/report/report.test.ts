import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INCIDENT_MINUTES, minutesSinceStart, scaleIncident } from './incident.js';
import { renderReport } from './report.js';
import { sampleJournal } from './sample-journal.js';
import { lineChart, niceStep } from './svg-chart.js';

const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('report.html', () => {
  const journal = sampleJournal();
  const html = renderReport(journal);

  it('has a chart for each series the issue names', () => {
    for (const title of ['Customer success rate', 'Customer latency', 'Addresses in kv.us-east-1.lab.internal', 'Leased droplets', 'Work queues', 'NLB healthy capacity']) {
      assert.ok(html.includes(`aria-label="${title}"`), title);
    }
    assert.equal(count(html, /<figure class="chart">/g), 6);
    assert.ok(count(html, /<path class="series" d="M/g) >= 8, 'lines drawn from the timeline');
  });

  it('shades the fault windows and marks the phases on every chart', () => {
    assert.equal(count(html, /class="fault-window"/g), journal.faults.length * 6);
    assert.equal(count(html, /class="phase-mark"/g), journal.phases.length * 6);
    assert.match(html, /<title>phase dns-empty \(36\.0 s–62\.0 s\)<\/title>/);
  });

  it('draws the lab phases next to the real 20 October timeline, aligned on dns-empty', () => {
    for (const p of journal.phases) assert.ok(html.includes(`>lab: ${p.name}</text>`), p.name);
    assert.ok(html.includes('>AWS: dns-empty</text>'));
    assert.ok(html.includes('20 Oct 2025, 23:48–02:25 PDT: DynamoDB endpoint empty in DNS'));
    assert.ok(html.includes('05:30–14:09'));
    assert.match(html, /23:48 PDT \(the race\) at this run&#39;s dns-empty start, 36\.0 s/);
  });

  it('is self-contained: no script, and nothing fetched from the network', () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /(src|href)\s*=\s*["']?https?:/i);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /@import|url\(/i);
  });

  it('escapes what comes from the lab', () => {
    const hostile = { ...journal, title: '<img src=x onerror=alert(1)>', timeline: [] };
    const out = renderReport(hostile);
    assert.ok(!out.includes('<img'));
    assert.ok(out.includes('&lt;img src=x'));
    assert.ok(out.includes('No timeline was recorded'));
  });
});

describe('svg charts', () => {
  it('breaks a line where nothing was measured', () => {
    const svg = lineChart({ title: 't', xMax: 3000, lines: [{ label: 'l', color: '#000', points: [[0, 1], [1000, null], [2000, 2], [3000, 3]] }] });
    const d = /<path class="series" d="([^"]+)"/.exec(svg)?.[1] ?? '';
    assert.equal(count(d, /M/g), 2);
    assert.equal(count(d, /L/g), 1);
  });

  it('picks round tick steps', () => {
    assert.equal(niceStep(100, 4), 50);
    assert.equal(niceStep(12, 4), 5);
    assert.equal(niceStep(0.9, 4), 0.5);
  });
});

describe('the real incident, scaled', () => {
  it('runs 14 h 32 min from the race to the end of the event', () => {
    assert.equal(INCIDENT_MINUTES, 872);
    assert.equal(minutesSinceStart('02:25'), 157);
  });

  it("fits between the run's dns-empty start and its end", () => {
    const s = scaleIncident(160_000, [{ name: 'dns-empty', start: 36_000 }]);
    assert.equal(s.alignedAt, 36_000);
    const dns = s.periods.find((p) => p.phase === 'dns-empty')!;
    assert.equal(dns.start, 36_000);
    assert.ok(Math.abs(dns.end - (36_000 + (124_000 * 157) / 872)) < 1e-6);
    assert.ok(Math.abs(s.marks.at(-1)!.at - 160_000) < 1e-6, 'the event ends with the run');
    assert.equal(scaleIncident(100_000, []).alignedAt, 0);
  });
});
