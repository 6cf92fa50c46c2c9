// The engine against real sockets on loopback. Rates and durations are small so a busy 2-core machine
// keeps up; every timing assertion has a tolerance well outside scheduling noise.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { LoadGenerator, type RunResult } from './generator.js';
import { until } from '../test/support/until.js';
import { ERROR_KINDS } from './outcome.js';
import { answer, closedPort, startTarget, type Target } from './test-support.js';

const targets: Target[] = [];
after(() => Promise.all(targets.map((t) => t.close())));
const target = async (...args: Parameters<typeof startTarget>) => {
  const t = await startTarget(...args);
  targets.push(t);
  return t;
};

/** The per-second series must add up to the totals, kind by kind. */
function assertSeriesAddUp(r: RunResult): void {
  const sum = (f: (s: RunResult['series'][number]) => number) => r.series.reduce((a, s) => a + f(s), 0);
  assert.equal(sum((s) => s.requests), r.totals.requests, 'requests');
  assert.equal(sum((s) => s.successes), r.totals.successes, 'successes');
  assert.equal(sum((s) => s.errors), r.totals.errors, 'errors');
  for (const kind of ERROR_KINDS) assert.equal(sum((s) => s.errorsByKind[kind] ?? 0), r.totals.errorsByKind[kind] ?? 0, kind);
  r.series.forEach((s, i) => assert.equal(s.t, i, 'one entry per second, in order'));
}

test('open loop sends rate x duration requests, spread over the run', async () => {
  const t = await target();
  const r = await new LoadGenerator({ url: t.url, rate: 200, connections: 4, timeoutMs: 2000 }).run(2000);
  assert.ok(Math.abs(r.totals.requests - 400) <= 40, `requests ${r.totals.requests}`);
  assert.equal(r.totals.successes, r.totals.requests);
  assert.equal(t.arrivals.length, r.totals.requests);
  // Paced, not a burst: the arrivals span most of the two seconds, and each half gets about half.
  const first = t.arrivals[0]!;
  const span = t.arrivals.at(-1)! - first;
  assert.ok(span > 1700 && span < 2600, `arrivals span ${span} ms`);
  const firstHalf = t.arrivals.filter((a) => a - first < 1000).length;
  assert.ok(firstHalf > 150 && firstHalf < 250, `first second got ${firstHalf}`);
  assert.equal(r.mode, 'open-loop');
  assert.ok(r.latency && r.latency.count === r.totals.requests);
  assertSeriesAddUp(r);
});

test('a stall shows as latency of the requests scheduled during it (coordinated omission corrected)', async () => {
  // The target holds one request for 500 ms about half a second in; one connection, so everything
  // scheduled meanwhile waits behind it, as customers would.
  let stalled = false;
  const t = await target((_req, res) => {
    if (!stalled && performance.now() - t.arrivals[0]! > 400) {
      stalled = true;
      setTimeout(() => res.end('late'), 500);
    } else res.end('ok');
  });
  const latencies: number[] = [];
  const open = await new LoadGenerator({
    url: t.url,
    rate: 100,
    connections: 1,
    timeoutMs: 3000,
    onOutcome: (_k, us) => latencies.push(us / 1000),
  }).run(2000);
  assert.ok(stalled, 'the target stalled');
  assert.equal(open.totals.errors, 0);
  assert.ok(open.latency!.max >= 450 && open.latency!.max < 1500, `max ${open.latency!.max}`);
  assert.ok(open.latency!.p99 >= 350, `open-loop p99 ${open.latency!.p99} reflects the stall`);
  // Not one slow request but the ~50 scheduled behind it, late by 500 ms down to ~0.
  const late = latencies.filter((ms) => ms >= 200).length;
  assert.ok(late >= 15, `${late} requests were late by 200 ms or more`);
  assert.ok(Math.max(...open.series.map((s) => s.p99 ?? 0)) >= 350, 'the per-second series shows it too');

  // The same stall measured closed-loop: one slow request among thousands, invisible at p99.
  stalled = false;
  t.arrivals.length = 0;
  const closed = await new LoadGenerator({ url: t.url, rate: 'max', connections: 1, timeoutMs: 3000 }).run(1500);
  assert.ok(stalled, 'the target stalled again');
  assert.ok(closed.latency!.max >= 450, `closed-loop max ${closed.latency!.max}`);
  assert.ok(closed.totals.requests > 300, `closed loop sent ${closed.totals.requests}`);
  assert.ok(closed.latency!.p99 < 250, `closed-loop p99 ${closed.latency!.p99} hides it`);
  assert.equal(closed.mode, 'closed-loop');
});

test('errors are classified: status, connection refused, dns', async () => {
  const failing = await target(answer(500, 'boom'));
  const r500 = await new LoadGenerator({ url: failing.url, rate: 50, connections: 2, timeoutMs: 2000 }).run(1000);
  assert.ok(r500.totals.requests >= 40, `requests ${r500.totals.requests}`);
  assert.deepEqual(r500.totals.errorsByKind, { 'status-5xx': r500.totals.requests });
  assert.equal(r500.totals.successes, 0);
  assert.equal(r500.totals.successRate, 0);
  assert.ok(r500.latency, 'answered errors still have a latency');
  assertSeriesAddUp(r500);

  const port = await closedPort();
  const refused = await new LoadGenerator({ url: `http://127.0.0.1:${port}/`, rate: 50, connections: 2, timeoutMs: 2000 }).run(500);
  assert.ok(refused.totals.requests >= 20);
  assert.deepEqual(refused.totals.errorsByKind, { refused: refused.totals.requests });
  assertSeriesAddUp(refused);

  // .invalid never resolves (RFC 6761): getaddrinfo answers ENOTFOUND, or EAI_AGAIN without a resolver.
  const dns = await new LoadGenerator({ url: 'http://no-such-app.invalid/', rate: 20, connections: 2, timeoutMs: 3000 }).run(500);
  assert.ok(dns.totals.requests >= 8);
  assert.deepEqual(dns.totals.errorsByKind, { dns: dns.totals.requests });
  assert.equal(dns.latency, null, 'no response, no latency');
});

test('success statuses are configurable; 4xx is its own kind', async () => {
  const t = await target(answer(404, 'nope'));
  const strict = await new LoadGenerator({ url: t.url, rate: 40, connections: 1, timeoutMs: 2000 }).run(500);
  assert.deepEqual(strict.totals.errorsByKind, { 'status-4xx': strict.totals.requests });
  const { parseSuccessStatuses } = await import('./options.js');
  const lenient = await new LoadGenerator({ url: t.url, rate: 40, connections: 1, timeoutMs: 2000, successStatuses: parseSuccessStatuses('200-299,404') }).run(500);
  assert.equal(lenient.totals.successes, lenient.totals.requests);
});

test('a target that never answers: the queue overflows (overload), then waiting requests time out', async () => {
  const t = await target(() => undefined); // holds every request
  const r = await new LoadGenerator({ url: t.url, rate: 100, connections: 1, timeoutMs: 600, maxQueue: 5 }).run(500);
  const kinds = r.totals.errorsByKind;
  assert.ok(Math.abs(r.totals.requests - 50) <= 5, `requests ${r.totals.requests}`);
  assert.equal(r.totals.successes, 0);
  assert.ok((kinds.overload ?? 0) >= 30, `overload ${kinds.overload}`);
  assert.ok((kinds.timeout ?? 0) >= 1 && (kinds.timeout ?? 0) <= 6, `timeout ${kinds.timeout}`);
  assert.equal((kinds.overload ?? 0) + (kinds.timeout ?? 0), r.totals.requests);
  assertSeriesAddUp(r);
  assert.ok(r.elapsedMs < 5000, `drained in ${r.elapsedMs} ms`);
});

test('rate changes, pause and resume while running', async () => {
  const t = await target();
  const gen = new LoadGenerator({ url: t.url, rate: 50, connections: 2, timeoutMs: 2000 });
  gen.start();
  try {
    await until('first requests', () => t.arrivals.length >= 10);
    gen.pause();
    await new Promise((r) => setTimeout(r, 50)); // let the last in-flight answers land
    const atPause = t.arrivals.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(t.arrivals.length <= atPause + 1, `paused: ${t.arrivals.length - atPause} more arrived`);
    assert.ok(gen.alive(), 'the loop is still alive while paused');
    gen.setRate(400);
    gen.resume();
    const from = t.arrivals.length;
    const start = performance.now();
    await until('100 requests at the new rate', () => t.arrivals.length - from >= 100);
    const took = performance.now() - start;
    assert.ok(took < 800, `100 requests at 400/s took ${took} ms`); // at 50/s it would take 2 s
    assert.equal(gen.snapshot().rate, 400);
  } finally {
    await gen.stop();
  }
  assert.equal(gen.alive(), false);
  assert.equal(gen.snapshot().totals.requests, t.arrivals.length);
});

/** A target that answers after `delayMs` and records, per socket, how many requests it held at once. */
async function socketWatcher(delayMs: number) {
  const sockets = new Map<object, { now: number; max: number }>();
  let now = 0;
  let max = 0;
  const t = await target((req, res) => {
    const s = sockets.get(req.socket) ?? { now: 0, max: 0 };
    sockets.set(req.socket, s);
    s.max = Math.max(s.max, ++s.now);
    max = Math.max(max, ++now);
    setTimeout(() => {
      s.now--;
      now--;
      res.end('ok');
    }, delayMs);
  });
  return { t, sockets, maxAtOnce: () => max };
}

test('each request goes out on a free connection of its own: `connections` sockets, one request each', async () => {
  const { t, sockets, maxAtOnce } = await socketWatcher(20);
  const r = await new LoadGenerator({ url: t.url, rate: 'max', connections: 3, timeoutMs: 2000 }).run(600);
  assert.equal(r.totals.errors, 0);
  assert.ok(r.totals.requests >= 30, `sent ${r.totals.requests}`);
  assert.equal(sockets.size, 3, 'one socket per connection');
  assert.deepEqual([...sockets.values()].map((s) => s.max), [1, 1, 1], 'never two requests on one socket');
  assert.equal(maxAtOnce(), 3, 'every connection was busy at once');
});

test('a slow open-loop rate keeps reusing the first connections', async () => {
  const { t, sockets } = await socketWatcher(0);
  const r = await new LoadGenerator({ url: t.url, rate: 10, connections: 4, timeoutMs: 2000 }).run(1000);
  assert.equal(r.totals.successes, r.totals.requests);
  assert.ok(r.totals.requests >= 8, `sent ${r.totals.requests}`);
  assert.ok(sockets.size < 4, `${sockets.size} sockets for 10 requests/s, one at a time`);
});
