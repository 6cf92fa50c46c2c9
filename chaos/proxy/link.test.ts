// Links on in-memory streams with a manual clock: ordering, live toxic changes, toxicity, back-pressure.
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { ManualClock, flushMicrotasks, systemClock } from '../../lib/clock.js';
import { Random } from '../../lib/random.js';
import { ToxicCollection } from './toxic-collection.js';
import { until } from '../../test/support/until.js';

function setup(clock = new ManualClock(0), seed = 1) {
  const toxics = new ToxicCollection();
  const source = new PassThrough();
  const dest = new PassThrough();
  const received: { at: number; text: string }[] = [];
  dest.on('data', (d: Buffer) => received.push({ at: clock.now(), text: d.toString() }));
  const link = toxics.startLink({ stream: 'downstream', source, dest, clock, random: new Random(seed), highWaterMark: 1 << 20 });
  return { toxics, source, dest, received, link, clock };
}

const latency = (latency: number, jitter = 0, toxicity = 1) => ({ type: 'latency', stream: 'downstream' as const, toxicity, attributes: { latency, jitter } });

test('bytes pass unchanged and the end reaches dest', async () => {
  const { source, dest, received, link } = setup();
  let ended = false;
  dest.on('end', () => (ended = true));
  source.write('hello ');
  source.end('world');
  await link.done;
  await flushMicrotasks();
  assert.equal(received.map((r) => r.text).join(''), 'hello world');
  assert.ok(link.finished && ended);
});

test('with jitter, chunks still come out in the order they went in', async () => {
  const { toxics, source, received, clock } = setup();
  toxics.add(latency(50, 40));
  const sent: string[] = [];
  for (let i = 0; i < 40; i++) {
    sent.push(`<${i}>`);
    source.write(`<${i}>`);
    await clock.advance(3);
  }
  await clock.advance(200);
  assert.equal(received.map((r) => r.text).join(''), sent.join(''));
  for (const r of received) assert.ok(r.at >= 10, `no chunk leaves before latency - jitter (${r.at})`);
});

test('a removed toxic keeps its delay for chunks already inside; later chunks queue behind them, then pass at once', async () => {
  const { toxics, source, received, clock } = setup();
  toxics.add(latency(100));
  source.write('A');
  await clock.advance(20);
  toxics.remove('latency_downstream');
  await clock.advance(10);
  source.write('B');
  await clock.advance(59);
  assert.deepEqual(received, [], 'A still delayed, B may not overtake it');
  await clock.advance(11);
  assert.deepEqual(received, [
    { at: 100, text: 'A' },
    { at: 100, text: 'B' },
  ]);
  await clock.advance(50);
  source.write('C');
  await clock.advance(0);
  assert.deepEqual(received.at(-1), { at: 150, text: 'C' }, 'no delay once the toxic is gone');
});

test('a toxic added to an open link delays the chunks that come after', async () => {
  const { toxics, source, received, clock } = setup();
  source.write('before');
  await clock.advance(0);
  assert.deepEqual(received, [{ at: 0, text: 'before' }]);
  toxics.add(latency(80));
  source.write('after');
  await clock.advance(79);
  assert.equal(received.length, 1);
  await clock.advance(1);
  assert.deepEqual(received.at(-1), { at: 80, text: 'after' });
});

test('updating attributes applies to the next chunk', async () => {
  const { toxics, source, received, clock } = setup();
  toxics.add(latency(100));
  toxics.update('latency_downstream', { attributes: { latency: 10 } });
  assert.deepEqual(toxics.get('latency_downstream').toJSON().attributes, { latency: 10, jitter: 0 });
  source.write('x');
  await clock.advance(10);
  assert.deepEqual(received, [{ at: 10, text: 'x' }]);
});

test('toxicity 0 never applies, 1 always, 0.5 to some connections', () => {
  const decisions = (toxicity: number, seed: number) => {
    const toxics = new ToxicCollection();
    toxics.add(latency(100, 0, toxicity));
    return Array.from({ length: 64 }, (_, i) => {
      const link = toxics.startLink({ stream: 'downstream', source: new PassThrough(), dest: new PassThrough(), clock: systemClock, random: new Random(seed + i), highWaterMark: 1024 });
      const applies = link.activeToxics().length === 1;
      link.close();
      return applies;
    });
  };
  assert.ok(decisions(0, 1).every((d) => !d));
  assert.ok(decisions(1, 1).every((d) => d));
  const half = decisions(0.5, 1).filter(Boolean).length;
  assert.ok(half > 16 && half < 48, `about half of 64 connections, got ${half}`);
  assert.deepEqual(decisions(0.5, 7), decisions(0.5, 7), 'the same seeds make the same decisions');
});

test('the source is paused while dest does not drain, and resumed when it does', async () => {
  const toxics = new ToxicCollection();
  const source = new PassThrough();
  const held: (() => void)[] = [];
  let written = 0;
  const dest = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _enc, cb) {
      written += chunk.length;
      held.push(cb);
    },
  });
  toxics.startLink({ stream: 'upstream', source, dest, clock: systemClock, random: new Random(1), highWaterMark: 4096 });
  for (let i = 0; i < 20; i++) source.write(Buffer.alloc(1024, i));
  await until('source paused', () => source.isPaused());
  assert.ok(written < 20 * 1024, 'dest has not taken everything');
  const release = () => {
    while (held.length) held.shift()!();
  };
  await until('all bytes written', () => {
    release();
    return written === 20 * 1024;
  });
  assert.equal(source.isPaused(), false);
});
