import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incidentFit, INCIDENT_MINUTES, minutesSinceStart, placeIncident } from './incident.js';
import { renderReport } from './report.js';
import { sampleJournal } from './sample-journal.js';
import { fitLabel, LABEL_CHAR_PX, lanes, lineChart, niceStep } from './svg-chart.js';

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

  it('draws the lab phases next to the real 20 October timeline, placed at the race by the run\'s clock', () => {
    for (const p of journal.phases) assert.ok(html.includes(`>lab: ${p.name}</text>`), p.name);
    assert.ok(html.includes('>AWS: dns-empty</text>'));
    assert.ok(html.includes('20 Oct 2025, 23:48–02:25 PDT: DynamoDB endpoint empty in DNS'));
    assert.ok(html.includes('05:30–14:09'));
    assert.match(html, /23:48 PDT \(the race\) at 36\.0 s, placed by the run&#39;s lab clock 1h=10s: 10\.0 s of this run per AWS hour/);
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

  it("is placed at the race by the run's clock, never stretched over the run", () => {
    const s = placeIncident('1h=10s', [{ name: 'dns-empty', start: 36_000 }], 30_000);
    assert.equal(s.alignedAt, 30_000, 'the journal\'s race time first');
    const dns = s.periods.find((p) => p.phase === 'dns-empty')!;
    assert.equal(dns.start, 30_000);
    assert.ok(Math.abs(dns.end - (30_000 + 157 * (10_000 / 60))) < 1e-6, '02:25 is 2 h 37 min, 26.2 s after the race at 1h=10s');
    const slow = placeIncident('1h=60s', [{ name: 'dns-empty', start: 36_000 }]);
    assert.equal(slow.alignedAt, 36_000, 'else the first dns-empty start');
    assert.ok(Math.abs(slow.marks.at(-1)!.at - (36_000 + 872 * 60_000 / 60)) < 1e-6, 'at 1h=60s the event lasts 14.5 min of the run');
    assert.equal(placeIncident('1h=10s', []).alignedAt, 0);
  });

  it('measures a run against AWS: IoU per phase and customer success in AWS\'s windows', () => {
    const startedAt = '2026-01-01T00:00:00.000Z';
    const t0 = Date.parse(startedAt);
    // 1h=10s, race at 10 s: dns-empty 0-2.7 h, customers fail while it lasts and 20 % during 06:00-08:00.
    const timeline = Array.from({ length: 170 }, (_, i) => {
      const h = (i - 10) / 10;
      const rate = h >= 0 && h < 2.7 ? 0 : h >= 6 && h < 8 ? 0.8 : 1;
      return { t: t0 + i * 1000, customerRequests: 20, customerSuccessRate: rate };
    });
    const fit = incidentFit({ clock: '1h=10s', raceAt: 10_000, startedAt, timeline, phases: [{ name: 'dns-empty', start: 10_000, end: 36_200 }] });
    assert.ok(fit.iou['dns-empty']! > 0.99);
    assert.equal(fit.iou['nlb-flapping'], null, 'not seen');
    assert.equal(fit.customers.before, 1);
    assert.equal(fit.customers.dnsEmpty, 0);
    const nlb = fit.customers.nlbWindow!;
    assert.ok(nlb > 0.9 && nlb < 0.98, `two of 8.65 hours at 80 %: ${nlb}`);
    assert.equal(fit.customers.afterFailoverOff, 1);
    assert.deepEqual(fit.nlbWindowFailures, { capacity: null, targetErrors: null }, 'nothing sampled at the NLB (journals written before these counts)');
  });

  it('splits customers\' failures in AWS\'s NLB window into capacity the NLB removed and targets that failed', () => {
    const startedAt = '2026-01-01T00:00:00.000Z';
    const t0 = Date.parse(startedAt);
    // 1h=10s, race at 10 s: the NLB window is 5.7-14.35 h after it. Inside it each sample of 20 requests
    // has 1 whose name did not resolve, 1 a node refused and 1 a target failed; outside, 10 refused.
    const timeline = Array.from({ length: 170 }, (_, i) => {
      const t = t0 + i * 1000 + 500; // between whole tenths of an hour: no sample on the window's edges
      const h = (t - t0 - 10_000) / 10_000;
      const inWindow = h >= 5.7 && h < 14.35;
      return { t, customerRequests: 20, customerSuccessRate: 1, customerDnsErrors: inWindow ? 1 : 0, nlbRefused: inWindow ? 1 : 10, nlbTargetErrors: inWindow ? 1 : 0 };
    });
    const fit = incidentFit({ clock: '1h=10s', raceAt: 10_000, startedAt, timeline, phases: [] });
    assert.ok(Math.abs(fit.nlbWindowFailures.capacity! - 0.1) < 1e-9, String(fit.nlbWindowFailures.capacity));
    assert.ok(Math.abs(fit.nlbWindowFailures.targetErrors! - 0.05) < 1e-9, String(fit.nlbWindowFailures.targetErrors));
  });
});

describe('report lanes', () => {
  it('never writes one label over the next: labels of bars that start close together are cut short', () => {
    const bar = (start: number, label: string) => ({ start, end: start + 60_000, label, color: '#fbbc04' });
    // One toxic early in a 10-minute run, ten within a second of each other, one half a minute later.
    // Two of them start at the same moment (a toxic on each stream).
    const bars = [bar(0, 'slow-the-enactor-link-400ms'), ...Array.from({ length: 10 }, (_, i) => bar(200_000 + i * 100, `slow-the-enactor-link-${300 + i * 25}ms`)), bar(200_900, 'upstream'), bar(230_000, 'remove-the-fault')];
    const svg = lanes([{ label: 'faults', bars }], 600_000);
    const texts = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+"(?: class="on-light")?>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), text: m[2]! }));
    assert.ok(texts.length >= 3, svg);
    for (let i = 1; i < texts.length; i++) {
      const prev = texts[i - 1]!;
      assert.ok(prev.x + prev.text.length * LABEL_CHAR_PX <= texts[i]!.x, `"${prev.text}" at ${prev.x} runs into "${texts[i]!.text}" at ${texts[i]!.x}`);
    }
    assert.equal(texts[0]!.text, 'slow-the-enactor-link-400ms', 'a label with room is whole');
    assert.equal(texts.at(-1)!.text, 'remove-the-fault');
    assert.ok(texts.some((t) => t.text.endsWith('…')), `a label with some room is cut, not dropped: ${JSON.stringify(texts)}`);
    assert.equal((svg.match(/<title>slow-the-enactor-link-/g) ?? []).length, 11, 'every bar keeps its whole label in its title');
    assert.equal(new Set(texts.map((t) => t.x)).size, texts.length, 'one label at a place');
  });

  it('fits a label to its room', () => {
    assert.equal(fitLabel('latency', 100), 'latency');
    assert.equal(fitLabel('latency', 30), 'late…');
    assert.equal(fitLabel('latency', 12), '');
  });
});
