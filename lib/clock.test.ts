import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, RetimableSleeps } from './clock.js';

/** Sleeps until `due()` and records the virtual time and the answer it ended with. */
const timed = (clock: ManualClock, sleeps: RetimableSleeps, due: () => number, signal?: AbortSignal) => {
  const done: { at: number | null; due: boolean | null } = { at: null, due: null };
  void sleeps.until(due, signal).then((ok) => Object.assign(done, { at: clock.now(), due: ok }));
  return done;
};

describe('sleeps that a new lab clock retimes (virtual time)', () => {
  it('ends at the due time; after retime() at the due time read again, at once if it has passed', async () => {
    const clock = new ManualClock(0);
    const sleeps = new RetimableSleeps(clock);
    let duration = 1_000;
    const longer = timed(clock, sleeps, () => duration);
    const shorter = timed(clock, sleeps, () => duration / 2);
    await clock.advance(300);
    duration = 2_000; // slowed down: the first ends at 2 000, the second at 1 000
    sleeps.retime();
    await clock.advance(700);
    assert.deepEqual(longer, { at: null, due: null }, 'the first sleep no longer ends at its old due time');
    assert.deepEqual(shorter, { at: 1_000, due: true });
    duration = 400; // sped up past the first's new due time: it ends at once
    sleeps.retime();
    await clock.advance(1);
    assert.deepEqual(longer, { at: 1_000, due: true });
    assert.equal(sleeps.size, 0);
  });

  it('retime() without a due time that moved changes nothing', async () => {
    const clock = new ManualClock(0);
    const sleeps = new RetimableSleeps(clock);
    const sleep = timed(clock, sleeps, () => 500);
    await clock.advance(200);
    sleeps.retime();
    await clock.advance(299);
    assert.equal(sleep.at, null);
    await clock.advance(1);
    assert.deepEqual(sleep, { at: 500, due: true });
  });

  it("ends with false, not an error, when the caller's signal aborts, also one aborted before", async () => {
    const clock = new ManualClock(0);
    const sleeps = new RetimableSleeps(clock);
    const stop = new AbortController();
    const sleep = timed(clock, sleeps, () => 10_000, stop.signal);
    await clock.advance(100);
    stop.abort();
    await clock.advance(0);
    assert.deepEqual(sleep, { at: 100, due: false });
    assert.equal(sleeps.size, 0, 'nothing left under way');
    assert.equal(await sleeps.until(() => 10_000, stop.signal), false);
    assert.equal(clock.pendingSleepers, 0);
  });
});
