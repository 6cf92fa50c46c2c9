import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { Schedule } from './schedule.js';

describe('the schedule a game day can pause', () => {
  it('counts real time minus the pauses, and a pause holds a sleeper for as long as it lasts', async () => {
    const clock = new ManualClock(1000);
    const schedule = new Schedule(clock);
    let woke: number | null = null;
    void schedule.sleep(10_000).then(() => (woke = clock.now()));
    await clock.advance(4000);
    assert.equal(schedule.now(), 4000);
    assert.equal(schedule.pause(), true);
    assert.equal(schedule.pause(), false, 'already paused');
    await clock.advance(30_000);
    assert.equal(woke, null, 'held while paused');
    assert.equal(schedule.now(), 4000, 'schedule time stands still');
    assert.equal(schedule.resume(), true);
    assert.equal(schedule.resume(), false, 'not paused');
    await clock.advance(5999);
    assert.equal(woke, null);
    await clock.advance(1);
    assert.equal(woke, 1000 + 40_000, 'due 10 s of schedule time after it began, 30 s of pause later');
  });

  it('lets a sleeper go at once when its signal aborts, paused or not', async () => {
    const clock = new ManualClock(0);
    const schedule = new Schedule(clock);
    const stop = new AbortController();
    let done = false;
    void schedule.sleep(60_000, stop.signal).then(() => (done = true));
    schedule.pause();
    await clock.advance(10);
    stop.abort();
    await clock.advance(0);
    assert.equal(done, true);
  });
});
