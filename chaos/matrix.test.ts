import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleJournal } from './report/sample-journal.js';
import { MATRIX_SETS, matrixRow, matrixTable } from './matrix.js';

describe('cascade-lab matrix', () => {
  it('runs without fixes, each fix alone, then all', () => {
    assert.deepEqual(MATRIX_SETS.map((s) => s.name), ['none', 'enactor', 'nlb-velocity', 'propagation-throttle', 'all']);
    assert.deepEqual(MATRIX_SETS.at(-1)!.fixes.length, 3);
  });

  it('one row per run: phases in order of start, IoU per phase, customers per AWS window', () => {
    const journal = sampleJournal();
    journal.timeline[3]!.nlbRemovedShare = 0.5;
    journal.timeline[4]!.nlbRemovedShare = 0.25;
    // Of 200 requests a sample, 4 whose name did not resolve, 6 refused by a node, 20 failed by a target.
    for (const s of journal.timeline) Object.assign(s, { customerRequests: 200, customerDnsErrors: 4, nlbRefused: 6, nlbTargetErrors: 20 });
    const row = matrixRow('none', journal);
    assert.equal(row.maxRemovedShare, 0.5, 'the largest share one round removed during the run');
    assert.deepEqual(row.phases, [...new Set([...journal.phases].sort((a, b) => a.start - b.start).map((p) => p.name))]);
    assert.ok(row.iou['dns-empty']! > 0.5, 'the sample journal is placed at its race');
    const table = matrixTable([row, { ...row, set: 'all', seed: 2, phases: [], iou: { 'dns-empty': null }, maxRemovedShare: null }], '1h=10s');
    const lines = table.split('\n').filter((l) => l.startsWith('|'));
    assert.equal(lines.length, 4, 'header, rule, two runs');
    assert.match(lines[2]!, /^\| none \| 7 \| dns-empty, /);
    assert.match(lines[2]!, /\| 5\.0 \| 10\.0 \| 50 % \|$/, 'NLB window: 5 % lost to capacity removed, 10 % to targets; 50 % at most in one round');
    assert.match(lines[3]!, /^\| all \| 2 \| none \| – \|/);
    assert.match(table, /^Clock 1h=10s\./);
    assert.equal(matrixRow('none', { ...journal, timeline: journal.timeline.map((s) => ({ ...s, nlbRemovedShare: null })) }).maxRemovedShare, null, 'never sampled');
  });
});
