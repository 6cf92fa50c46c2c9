import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunStats } from './series.js';

test('outcomes land in the second they became known; idle seconds close with zeros', () => {
  const seen: number[] = [];
  const s = new RunStats(1000, Number.POSITIVE_INFINITY, (e) => seen.push(e.t));
  s.success(2000, 1100); // 2 ms, second 0
  s.success(4000, 1900);
  s.failure('status-5xx', 9000, 1950);
  s.failure('dns', -1, 3500); // second 2; second 1 idle
  s.finish(3600);
  const series = s.series();
  assert.deepEqual(seen, [0, 1, 2]);
  assert.deepEqual(series.map((e) => [e.t, e.requests, e.successes, e.errors]), [[0, 3, 2, 1], [1, 0, 0, 0], [2, 1, 0, 1]]);
  assert.deepEqual(series[0]!.errorsByKind, { 'status-5xx': 1 });
  assert.equal(series[0]!.max, 9);
  assert.equal(series[1]!.p99, null);
  assert.equal(series[2]!.p50, null, 'a transport error has no latency');
  const totals = s.totals();
  assert.deepEqual(totals, { requests: 4, successes: 2, errors: 2, errorsByKind: { 'status-5xx': 1, dns: 1 }, successRate: 0.5 });
  assert.equal(s.latency()!.count, 3);
  assert.equal(s.latency()!.max, 9);
});

test('a continuous run keeps only the last N seconds', () => {
  const s = new RunStats(0, 5);
  for (let t = 0; t < 20; t++) s.success(1000, t * 1000 + 10);
  s.roll(20_000);
  assert.deepEqual(s.series().map((e) => e.t), [15, 16, 17, 18, 19]);
  assert.deepEqual(s.series(2).map((e) => e.t), [18, 19]);
  assert.equal(s.totals().requests, 20);
});
