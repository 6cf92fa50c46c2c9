import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import type { CheckKind } from '../../lib/contract.js';
import { StateChecks } from './state-checks.js';

/** Runs a check and records the virtual time at which it ended. */
const timed = (clock: ManualClock, checks: StateChecks, kind?: CheckKind) => {
  const done: { at: number | null } = { at: null };
  void checks.run(undefined, kind).then(() => (done.at = clock.now()));
  return done;
};

describe('droplet state checks (virtual time)', () => {
  it('runs at most `concurrency` checks at once; the others wait their turn', async () => {
    const clock = new ManualClock(0);
    const checks = new StateChecks({ durationMs: 100, renewDurationMs: 25, concurrency: 2 }, clock);
    const runs = [timed(clock, checks), timed(clock, checks), timed(clock, checks)];
    await clock.advance(250);
    assert.deepEqual(runs.map((r) => r.at), [100, 100, 200]);
  });

  it("a renewal's check takes its own, shorter time, in the same line and slots as the others", async () => {
    const clock = new ManualClock(0);
    const checks = new StateChecks({ durationMs: 100, renewDurationMs: 25, concurrency: 1 }, clock);
    const runs = [timed(clock, checks, 'renew'), timed(clock, checks, 'establish'), timed(clock, checks, 'renew')];
    await clock.advance(200);
    assert.deepEqual(runs.map((r) => r.at), [25, 125, 150]);
    checks.retime({ durationMs: 100, renewDurationMs: 400 });
    const slowed = timed(clock, checks, 'renew'); // at 200
    await clock.advance(399);
    assert.equal(slowed.at, null);
    await clock.advance(1);
    assert.equal(slowed.at, 600);
  });

  it('a new lab clock applies to the checks under way, counted from their start', async () => {
    const clock = new ManualClock(0);
    // A game day paused at 1h=1h: a check takes 72 s.
    const checks = new StateChecks({ durationMs: 72_000, renewDurationMs: 18_000, concurrency: 8 }, clock);
    const paused = timed(clock, checks);
    await clock.advance(1_000);
    checks.retime({ durationMs: 200, renewDurationMs: 50 }); // resumed at 1h=10s: 200 ms since the start have long passed
    await clock.advance(1);
    assert.equal(paused.at, 1_000, 'the check under way ended at once, not 71 s later');

    const started = timed(clock, checks); // at 1 001, 200 ms
    await clock.advance(100);
    checks.retime({ durationMs: 1_200, renewDurationMs: 300 }); // slowed to 1h=60s mid-check: it ends 1 200 ms after its start
    await clock.advance(1_000);
    assert.equal(started.at, null);
    await clock.advance(100);
    assert.equal(started.at, 2_201);
    assert.equal(checks.snapshot().inFlight, 0);
  });
});
