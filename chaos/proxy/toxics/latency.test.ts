import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../lib/clock.js';
import { Random } from '../../../lib/random.js';
import { toxicDefinition, type Chunk } from '../toxic.js';
import { LatencyToxic } from './latency.js';
import './index.js';

test('latency registers itself with defaults 0/0 and rejects bad attributes', () => {
  const def = toxicDefinition('latency');
  assert.ok(def);
  assert.deepEqual(def.attributes.parse({}), { latency: 0, jitter: 0 });
  assert.deepEqual(def.attributes.parse({ latency: 5, other: 1 }), { latency: 5, jitter: 0 });
  for (const bad of [{ latency: -1 }, { latency: '100' }, { jitter: 1.5 }]) assert.equal(def.attributes.safeParse(bad).success, false);
});

test('jitter stays within latency ± jitter and uses both sides of the range', () => {
  const toxic = new LatencyToxic({ latency: 100, jitter: 30 });
  const random = new Random(1);
  const delays = Array.from({ length: 2000 }, () => toxic.delay(random));
  assert.ok(Math.min(...delays) >= 70, `min ${Math.min(...delays)}`);
  assert.ok(Math.max(...delays) <= 130, `max ${Math.max(...delays)}`);
  assert.ok(Math.min(...delays) < 80 && Math.max(...delays) > 120, 'jitter spreads over the range');
});

test('jitter larger than latency never gives a negative delay', () => {
  const toxic = new LatencyToxic({ latency: 10, jitter: 50 });
  const random = new Random(2);
  for (let i = 0; i < 500; i++) assert.ok(toxic.delay(random) >= 0);
});

test('a chunk leaves latency ms after it arrived, and its timestamp moves on by the delay', async () => {
  const clock = new ManualClock(1000);
  const toxic = new LatencyToxic({ latency: 100, jitter: 0 });
  const out: Chunk[] = [];
  const ctx = { clock, random: new Random(3), signal: new AbortController().signal, state: {}, emit: (c: Chunk) => out.push(c), discard: () => undefined, close: () => undefined };
  const done = toxic.pipe({ data: Buffer.from('a'), timestamp: 1000 }, ctx);
  await clock.advance(99);
  assert.equal(out.length, 0, 'not before 100 ms');
  await clock.advance(1);
  await done;
  assert.equal(out.length, 1);
  assert.equal(out[0]!.timestamp, 1100);
});
