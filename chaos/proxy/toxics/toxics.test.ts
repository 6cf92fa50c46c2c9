// The TCP toxics on in-memory streams with a manual clock: exact times and bytes, no sockets.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { ManualClock } from '../../../lib/clock.js';
import { Random } from '../../../lib/random.js';
import { ToxicCollection } from '../toxic-collection.js';
import { toxicTypes, type CloseHow } from '../toxic.js';
import { SlicerToxic } from './slicer.js';

function setup() {
  const clock = new ManualClock(0);
  const toxics = new ToxicCollection();
  const source = new PassThrough();
  const dest = new PassThrough();
  const received: { at: number; size: number; data: Buffer }[] = [];
  const closes: CloseHow[] = [];
  dest.on('data', (d: Buffer) => received.push({ at: clock.now(), size: d.length, data: d }));
  const add = (type: string, attributes: Record<string, unknown>) => toxics.add({ type, stream: 'downstream', toxicity: 1, attributes });
  const start = () =>
    toxics.startLink({ stream: 'downstream', source, dest, clock, random: new Random(5), highWaterMark: 1 << 22, onClose: (how) => closes.push(how) });
  return { clock, toxics, source, dest, received, closes, add, start };
}

test('every Toxiproxy toxic type is registered for TCP; drop and duplicate only for UDP', () => {
  assert.deepEqual(toxicTypes('tcp'), ['bandwidth', 'latency', 'limit_data', 'reset_peer', 'slicer', 'slow_close', 'timeout']);
  assert.deepEqual(toxicTypes('udp'), ['drop', 'duplicate', 'latency']);
});

test('bandwidth 100 KB/s: 250 KB leave in 100 ms slices of 10 KB and are all out at 2.5 s', async () => {
  const { clock, source, received, add, start } = setup();
  add('bandwidth', { rate: 100 });
  start();
  source.write(Buffer.alloc(250_000, 1));
  await clock.advance(99);
  assert.equal(received.length, 0);
  await clock.advance(1);
  assert.deepEqual(received.map((r) => [r.at, r.size]), [[100, 10_000]]);
  await clock.advance(2400);
  assert.equal(received.reduce((n, r) => n + r.size, 0), 250_000);
  assert.equal(received.at(-1)!.at, 2500);
});

test('slicer cuts stay within the chunk, cover it, and repeat under the same seed', () => {
  const toxic = new SlicerToxic({ average_size: 10, size_variation: 4, delay: 0 });
  const cuts = toxic.cuts(1000, new Random(1));
  assert.equal(cuts[0], 0);
  assert.equal(cuts.at(-1), 1000);
  for (let i = 1; i < cuts.length; i++) assert.ok(cuts[i]! > cuts[i - 1]! && cuts[i]! - cuts[i - 1]! <= 14, `piece ${i}`);
  assert.ok(cuts.length > 60, `${cuts.length - 1} pieces`);
  assert.deepEqual(toxic.cuts(1000, new Random(1)), cuts);
  // Toxiproxy hangs on average_size 0; here every piece is one byte.
  assert.equal(new SlicerToxic({ average_size: 0, size_variation: 0, delay: 0 }).cuts(16, new Random(1)).length, 17);
});

test('limit_data cuts the chunk at the limit and closes; an update keeps the count of the connection', async () => {
  const { clock, source, received, closes, add, start, toxics } = setup();
  add('limit_data', { bytes: 10 });
  start();
  source.write('abcdef');
  await clock.advance(0);
  toxics.update('limit_data_downstream', { attributes: { bytes: 8 } });
  source.write('ghijkl');
  await clock.advance(0);
  assert.equal(Buffer.concat(received.map((r) => r.data)).toString(), 'abcdefgh');
  assert.deepEqual(closes, ['close']);
});

test('timeout: a chunk restarts the wait (as Toxiproxy loops), then the link closes; bytes are dropped', async () => {
  const { clock, source, received, closes, add, start } = setup();
  add('timeout', { timeout: 100 });
  start();
  await clock.advance(60);
  source.write('x');
  await clock.advance(99);
  assert.deepEqual(closes, []);
  await clock.advance(1);
  assert.deepEqual(closes, ['close']);
  assert.equal(received.length, 0);
});

test('reset_peer: the first chunk starts the timeout, then the link resets without passing it', async () => {
  const { clock, source, received, closes, add, start } = setup();
  add('reset_peer', { timeout: 50 });
  start();
  await clock.advance(500);
  assert.deepEqual(closes, [], 'nothing happens before data arrives');
  source.write('x');
  await clock.advance(49);
  assert.deepEqual(closes, []);
  await clock.advance(1);
  assert.deepEqual(closes, ['reset']);
  assert.equal(received.length, 0);
});

test('slow_close delays the close a toxic before it makes (limit_data then slow_close)', async () => {
  const { clock, source, received, closes, add, start } = setup();
  add('limit_data', { bytes: 2 });
  add('slow_close', { delay: 300 });
  start();
  source.write('abc');
  await clock.advance(299);
  assert.equal(Buffer.concat(received.map((r) => r.data)).toString(), 'ab');
  assert.deepEqual(closes, []);
  await clock.advance(1);
  assert.deepEqual(closes, ['close']);
});
