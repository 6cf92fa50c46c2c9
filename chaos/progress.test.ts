import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { parseExperiment } from './experiments/format.js';
import type { LiveRun } from './experiments/runner.js';
import { expectedDurationMs, RunProgress } from './progress.js';
import { findScenario } from './scenarios.js';

function capture(tty: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 160 });
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

const live = (clock: ManualClock, phases: string[]): LiveRun => ({ elapsed: () => clock.now(), phases: () => phases, detected: () => [], activeFaults: () => 1, activity: () => 'wait-for-the-endpoint-to-empty' });

describe('run progress', () => {
  it('adds up the waits, holds and pauses of an experiment, or says it cannot', () => {
    // dns-race: ten 45 s waits and a 15 s hold.
    assert.equal(expectedDurationMs(findScenario('dns-race').experiment), 10 * 45_000 + 15_000);
    const instant = parseExperiment(
      'title: t\ndescription: d\nsteady-state-hypothesis:\n  title: h\n  probes: [{ type: probe, name: p, provider: { type: dns, name: x } }]\nmethod: [{ type: action, name: a, provider: { type: clear-faults }, pauses: { after: 0 } }]\n',
      'x.yaml',
    );
    assert.equal(expectedDurationMs(instant), null);
  });

  it('without a terminal: the run lines as they come and a status line every 10 s', async () => {
    const out = capture(false);
    const clock = new ManualClock(0);
    const phases: string[] = [];
    const progress = new RunProgress({ stream: out.stream, bar: false, totalMs: 60_000, clock, customer: async () => 0.25 });
    progress.attach(live(clock, phases));
    progress.line('method');
    await clock.advance(5000);
    phases.push('dns-empty');
    await clock.advance(6000);
    await progress.stop();
    const lines = out.text().trim().split('\n');
    assert.deepEqual(lines, [
      'method',
      '  [0:10] phase: dns-empty | faults: 1 | customers: 25.0 % ok | wait-for-the-endpoint-to-empty',
    ]);
  });

  it('on a terminal: a bar with the phase, the faults and the customers, the run lines above it', async () => {
    const out = capture(true);
    const clock = new ManualClock(0);
    const progress = new RunProgress({ stream: out.stream, bar: true, totalMs: 60_000, clock, customer: async () => null });
    progress.attach(live(clock, ['dns-empty', 'lease-collapse']));
    await clock.advance(30_000);
    progress.line('  phase lease-collapse started at 29.0 s');
    await progress.stop();
    const text = out.text();
    assert.match(text, /phase lease-collapse started at 29\.0 s/);
    assert.match(text, /░/, 'a bar is drawn');
    assert.match(text, /0:30 of at most 1:00 \| phase: dns-empty, lease-collapse \| faults: 1 \| customers: n\/a/);
  });
});
