import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flushMicrotasks, ManualClock } from './clock.js';
import { Loop } from './loop.js';

/** Resolves to true once the promise has settled, false while it is still pending. */
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await flushMicrotasks();
  return done;
};

describe('Loop', () => {
  it('waits the interval after the work by default', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 100 });
    const starts: number[] = [];
    const running = loop.run(async () => {
      starts.push(clock.now());
      await clock.sleep(30);
    });
    await clock.advance(300);
    assert.deepEqual(starts, [0, 130, 260]);
    await loop.stop();
    await running;
  });

  it("from 'start' counts the interval from the start of the work, and an overrun starts the next at once", async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 100, from: 'start' });
    const starts: number[] = [];
    void loop.run(async () => {
      starts.push(clock.now());
      await clock.sleep(starts.length === 3 ? 150 : 30);
    });
    await clock.advance(500);
    assert.deepEqual(starts, [0, 100, 200, 350, 450]);
    await loop.stop();
  });

  it('stop() ends a wait at once, without time passing', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 60_000 });
    let works = 0;
    const running = loop.run(() => works++);
    await flushMicrotasks();
    assert.equal(clock.pendingSleepers, 1, 'waiting');
    assert.equal(await settled(loop.stop()), true, 'stop() resolved without advancing the clock');
    assert.equal(await settled(running), true);
    assert.equal(clock.pendingSleepers, 0);
    assert.equal(works, 1);
    assert.equal(loop.signal.aborted, true);
  });

  it('stop() before run() means the work never runs', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 100 });
    await loop.stop();
    let works = 0;
    await loop.run(() => works++);
    await clock.advance(1000);
    assert.equal(works, 0);
    assert.equal(clock.pendingSleepers, 0);
  });

  it('stop() resolves only once the iteration under way has finished', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 100 });
    let finished = 0;
    void loop.run(async () => {
      await clock.sleep(50); // not bound to the loop's signal: runs to its end
      finished++;
    });
    await clock.advance(10);
    const stopping = loop.stop();
    assert.equal(await settled(stopping), false, 'the work is still under way');
    await clock.advance(40);
    assert.equal(await settled(stopping), true);
    assert.equal(finished, 1);
  });

  it('an error in the work goes to onError and the loop goes on', async () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    const loop = new Loop({ clock, intervalMs: 100, onError: (err) => errors.push((err as Error).message) });
    let works = 0;
    void loop.run(() => {
      works++;
      if (works <= 2) throw new Error(`round ${works}`);
    });
    await clock.advance(350);
    assert.equal(works, 4);
    assert.deepEqual(errors, ['round 1', 'round 2']);
    await loop.stop();
  });

  it('without onError an error is ignored; an onError that rethrows ends the loop', async () => {
    const clock = new ManualClock(0);
    const quiet = new Loop({ clock, intervalMs: 100 });
    let works = 0;
    void quiet.run(() => {
      works++;
      throw new Error('ignored');
    });
    await clock.advance(250);
    assert.equal(works, 3);
    await quiet.stop();

    const fatal = new Loop({
      clock,
      intervalMs: 100,
      onError: (err) => {
        throw err;
      },
    });
    let fatalWorks = 0;
    const running = fatal.run(() => {
      fatalWorks++;
      throw new Error('detector broken');
    });
    await assert.rejects(running, /detector broken/);
    await assert.rejects(fatal.stop(), /detector broken/, 'stop() reports how the loop ended');
    await clock.advance(500);
    assert.equal(fatalWorks, 1);
  });

  it('an error thrown because stop() interrupted the work is not reported', async () => {
    const clock = new ManualClock(0);
    const errors: unknown[] = [];
    const loop = new Loop({ clock, intervalMs: 100, onError: (err) => errors.push(err) });
    const running = loop.run((signal) => clock.sleep(1000, signal));
    await clock.advance(10);
    await loop.stop();
    await running;
    assert.deepEqual(errors, []);
  });

  it('reads a function interval before every wait', async () => {
    const clock = new ManualClock(0);
    let interval = 100;
    const loop = new Loop({ clock, intervalMs: () => interval });
    const starts: number[] = [];
    void loop.run(() => {
      starts.push(clock.now());
      if (starts.length === 2) interval = 300;
    });
    await clock.advance(800);
    assert.deepEqual(starts, [0, 100, 400, 700]);
    await loop.stop();
  });

  it('wake() ends the wait under way, or skips the next one when it comes during the work', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 60_000 });
    const starts: number[] = [];
    void loop.run(async () => {
      starts.push(clock.now());
      if (starts.length === 2) {
        await clock.sleep(10);
        loop.wake();
      }
    });
    await clock.advance(5);
    loop.wake();
    await clock.advance(100);
    assert.deepEqual(starts, [0, 5, 15]);
    assert.equal(loop.stopped, false, 'woken, not stopped');
    await loop.stop();
  });

  it('reschedule() measures the wait under way with the new interval: at once if it has passed, later if it grew', async () => {
    const clock = new ManualClock(0);
    let interval = 60_000; // a loop slowed by a slow lab clock
    const loop = new Loop({ clock, intervalMs: () => interval });
    const starts: number[] = [];
    void loop.run(() => {
      starts.push(clock.now());
    });
    await clock.advance(1_000);
    interval = 100; // the clock sped up: 100 ms since the wait began at 0 have long passed
    loop.reschedule();
    await clock.advance(150);
    assert.deepEqual(starts, [0, 1_000, 1_100]);
    interval = 500; // slowed again: this wait began at 1 100 and now ends at 1 600
    loop.reschedule();
    await clock.advance(400);
    assert.deepEqual(starts, [0, 1_000, 1_100]);
    await clock.advance(100);
    assert.deepEqual(starts, [0, 1_000, 1_100, 1_600]);
    loop.reschedule(); // at 1 650, nothing changed: the wait from 1 600 goes on as it was
    await clock.advance(449);
    assert.equal(starts.length, 4);
    await clock.advance(1);
    assert.deepEqual(starts, [0, 1_000, 1_100, 1_600, 2_100]);
    assert.equal(loop.stopped, false);
    await loop.stop();
  });

  it('waitFirst waits one interval before the first iteration', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 100, waitFirst: true });
    const starts: number[] = [];
    void loop.run(() => starts.push(clock.now()));
    await clock.advance(250);
    assert.deepEqual(starts, [100, 200]);
    await loop.stop();
  });

  it('run() twice is one loop', async () => {
    const clock = new ManualClock(0);
    const loop = new Loop({ clock, intervalMs: 100 });
    let works = 0;
    const first = loop.run(() => works++);
    const second = loop.run(() => works++);
    assert.equal(first, second);
    await clock.advance(150);
    assert.equal(works, 2);
    await loop.stop();
  });
});
