import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeRun } from '../experiments/journal.js';
import { renderReport } from './report.js';
import { md, renderReview } from './review.js';
import { sampleGameJournal, sampleJournal } from './sample-journal.js';

const SECTIONS = ['Summary', 'Impact', 'Timeline', 'Contributing factors', 'What went well', 'What was hard', 'Action items'];

describe('a game day in report.html', () => {
  const journal = sampleGameJournal();
  const html = renderReport(journal);

  it('shows the score beside AWS, the responders\' words and actions judged, and the faults revealed', () => {
    assert.match(html, /<h2 id="game">Game day: Blue team<\/h2>/);
    assert.match(html, /your team restored DNS at \+2:[0-9]{2}, \d+ % faster than AWS did \(\+2:37\)/);
    for (const who of ['Alice', 'Bob', 'Carol']) assert.ok(html.includes(`<td>${who}</td>`), who);
    assert.match(html, /restart-dwfm<\/td><td><b style="color:#e37400">too-early<\/b>: restarting DWFM before DNS is back changes nothing/);
    assert.match(html, /<b style="color:#188038">names the root cause<\/b>/);
    assert.match(html, /<td>the facilitator<\/td><td>pause-loop on dns-enactor-az-a<\/td>/);
    assert.match(html, /<td>the scenario<\/td><td>toxic lab_latency_downstream on enactor-az-b<\/td>/);
  });

  it('puts them on the charts\' time axis: lanes beside the phases, a line on every chart for each', () => {
    assert.ok(html.includes('>responders: said</text>') && html.includes('>responders: acted</text>') && html.includes('>facilitator</text>'));
    const marks = (html.match(/class="action-mark"/g) ?? []).length;
    assert.equal(marks, 8 * 6, 'eight entries of the responders on six charts');
  });

  it('escapes what responders typed', () => {
    assert.doesNotMatch(html, /<script>alert/);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; the kv endpoint has no DNS records'));
    assert.ok(html.includes('customers see &lt;b&gt;5xx&lt;/b&gt;'));
  });

  it('is unchanged for a run that is no game', () => {
    assert.doesNotMatch(renderReport(sampleJournal()), /Game day|responders:/);
  });
});

describe('review.md, the post-incident review draft', () => {
  const review = renderReview(sampleGameJournal());

  it('has the seven sections, in order', () => {
    const headings = [...review.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.deepEqual(headings, SECTIONS);
    assert.match(review, /^# Post-incident review \(draft\): aws-2025-10-20 \(synthetic sample\), Blue team$/m);
  });

  it('is prefilled from the journal: impact, a timeline with who did what, the phases as factors, the score', () => {
    assert.match(review, /- Error budget burned since the trigger: \d+ % \(\d+ failed of \d+ requests; the SLO allows \d+\)\./);
    assert.match(review, /\| \+\d:\d\d \| \d:\d\d \| Carol \| dns \|/);
    assert.match(review, /\| Alice \| declared the incident: customers see \\<b\\>5xx\\<\/b\\> on the app endpoint \|/);
    assert.match(review, /\| the facilitator \| fault added: pause-loop on dns-enactor-az-a \{\} \|/);
    assert.match(review, /The regional kv endpoint's DNS record was empty/);
    assert.match(review, /## What went well\n\n- Declared by Alice 0:04 after customers first felt it\.\n- Carol named the root cause at \+\d:\d\d\./);
    assert.match(review, /- Bob took `restart-dwfm` at \+\d:\d\d: too-early, restarting DWFM before DNS is back changes nothing/);
    assert.match(review, /- \[ \] Runbook: restore DNS first; throttle and restart DWFM only once the kv endpoint resolves again\./);
    assert.match(review, /- \[ \] _Owner, due date: add the team's own._/);
  });

  it('escapes Markdown in what responders typed', () => {
    assert.ok(review.includes('redis \\| is \\*down\\*'), 'a pipe would break the timeline table');
    assert.ok(!review.includes('<script>'));
    assert.equal(md('a\nb  `c` [x](y) #1'), 'a b \\`c\\` \\[x\\](y) \\#1');
  });

  it('is written next to journal.json and report.html for a game, and only for a game', () => {
    const dir = mkdtempSync(join(tmpdir(), 'review-'));
    const files = writeRun(join(dir, 'game'), sampleGameJournal());
    assert.equal(files.review, join(dir, 'game', 'review.md'));
    assert.equal(readFileSync(files.review, 'utf8'), review);
    assert.equal(writeRun(join(dir, 'run'), sampleJournal()).review, undefined);
    assert.equal(existsSync(join(dir, 'run', 'review.md')), false);
  });
});
