import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLog } from '../lib/events.js';
import { silentLogger } from '../lib/log.js';
import { createRegistry } from '../lib/metrics.js';
import { buildApp } from './app.js';
import { parseConfig } from '../lib/config.js';
import { loadgenConfig } from './config.js';
import { until } from '../test/support/until.js';
import { fileFixture } from '../test/support/file-fixture.js';
import { LoadgenService } from './service.js';
import { CASCADE } from '../lib/timing.js';
import { answer, startTarget, type Target } from './test-support.js';

const token = 'test-token';
const auth = { authorization: `Bearer ${token}` };
let target: Target;
let service: LoadgenService;
let app: ReturnType<typeof buildApp>;
const events = new EventLog();

fileFixture(async () => {
  let failing = false;
  target = await startTarget((req, res, i) => {
    if (req.url === '/fail') failing = true;
    answer(failing && i > 0 ? 503 : 200)(req, res, i);
  });
  const registry = createRegistry('loadgen', false);
  service = new LoadgenService(
    { url: target.url, rate: 100, connections: 2, timeoutMs: 2000, stateSeconds: 5, maxRequestsPerConnection: 20 },
    { registry, events, log: silentLogger() },
  );
  app = buildApp({ service, log: silentLogger(), adminToken: token, registry, events });
  service.start();
}, async () => {
  await app?.close();
  await service?.stop();
  await target?.close();
});

const state = async () => (await app.inject({ method: 'GET', url: '/lab/state' })).json().state;

test('readyz means the generator loop runs; state has totals and the last seconds', async () => {
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.equal(ready.json().checks.generator.ok, true);
  const s = await until('two closed seconds', async () => {
    const s = await state();
    return s.series.length >= 2 ? s : undefined;
  });
  assert.equal(s.rate, 100);
  assert.equal(s.paused, false);
  assert.ok(s.totals.requests > 100 && s.totals.successRate === 1, JSON.stringify(s.totals));
  assert.ok(s.series[0].requests > 50, JSON.stringify(s.series[0]));
  assert.ok(s.latency.p50 > 0);
});

test('metrics: request counters by outcome and the latency histogram', async () => {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  const ok = /loadgen_requests_total\{outcome="success",service="loadgen"\} (\d+)/.exec(res.body);
  assert.ok(ok && Number(ok[1]) > 0, res.body.slice(0, 500));
  assert.match(res.body, /loadgen_request_duration_seconds_bucket\{le="0\.1",service="loadgen"\} \d+/);
  assert.match(res.body, /loadgen_rate\{service="loadgen"\} 100/);
});

test('admin endpoints need the token (401) and a valid body (400)', async () => {
  for (const url of ['/v1/rate', '/v1/pause', '/v1/resume']) {
    const res = await app.inject({ method: 'POST', url, payload: { rate: 10 } });
    assert.equal(res.statusCode, 401, url);
  }
  const wrong = await app.inject({ method: 'POST', url: '/v1/rate', headers: { authorization: 'Bearer nope' }, payload: { rate: 10 } });
  assert.equal(wrong.statusCode, 401);
  for (const payload of [{}, { rate: 0 }, { rate: -3 }, { rate: 'fast' }, { rate: '10' }, { rate: 10, extra: 1 }, { rate: true }]) {
    const res = await app.inject({ method: 'POST', url: '/v1/rate', headers: auth, payload });
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.equal(res.json().error.code, 'LAB_ERR_BAD_REQUEST');
    assert.ok(res.json().error.message.length > 0);
  }
  assert.equal((await state()).rate, 100, 'refused changes changed nothing');
});

test('pause, resume and a new rate (200)', async () => {
  const paused = await app.inject({ method: 'POST', url: '/v1/pause', headers: auth });
  assert.equal(paused.statusCode, 200);
  assert.deepEqual(paused.json(), { rate: 100, paused: true });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200, 'paused is still a running loop');

  const rate = await app.inject({ method: 'POST', url: '/v1/rate', headers: auth, payload: { rate: 40 } });
  assert.deepEqual(rate.json(), { rate: 40, paused: true });
  const resumed = await app.inject({ method: 'POST', url: '/v1/resume', headers: auth });
  assert.deepEqual(resumed.json(), { rate: 40, paused: false });
  const types = events.since(0).events.map((e) => e.type);
  assert.deepEqual(types.filter((t) => t !== 'customer-errors-started' && t !== 'customer-errors-ended'), ['loadgen-started', 'paused', 'rate-changed', 'resumed']);
});

test('customers seeing errors become events', async () => {
  // The target turns to 503 for everything once it sees /fail; the loadgen's GETs of / then fail.
  await fetch(new URL('/fail', target.url));
  const started = await until('customer-errors-started', async () => events.since(0).events.find((e) => e.type === 'customer-errors-started'));
  assert.deepEqual(Object.keys(started.data.errorsByKind as object), ['status-5xx']);
});

test('config: defaults, and bad values name the variable', () => {
  const c = parseConfig(loadgenConfig, { LAB_ADMIN_TOKEN: 't' });
  assert.equal(c.PORT, 8090);
  assert.equal(c.RATE, CASCADE.customers.ratePerSecond, 'the lab\'s customers');
  assert.equal(c.TARGET_URL.href, 'http://app.us-east-1.lab.internal/');
  assert.equal(parseConfig(loadgenConfig, { LAB_ADMIN_TOKEN: 't', RATE: 'max' }).RATE, 'max');
  assert.throws(() => parseConfig(loadgenConfig, { LAB_ADMIN_TOKEN: 't', RATE: 'lots' }), /RATE: expected requests per second/);
  assert.throws(() => parseConfig(loadgenConfig, { LAB_ADMIN_TOKEN: 't', TARGET_URL: 'app' }), /TARGET_URL: expected an absolute URL/);
  assert.throws(() => parseConfig(loadgenConfig, { LAB_ADMIN_TOKEN: 't', CONNECTIONS: '0' }), /CONNECTIONS/);
  assert.throws(() => parseConfig(loadgenConfig, {}), /LAB_ADMIN_TOKEN/);
});
