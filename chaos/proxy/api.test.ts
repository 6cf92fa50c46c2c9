// The Toxiproxy-compatible API driven in-process with inject(): shapes, status codes, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileFixture } from '../../test/support/file-fixture.js';
import { FAULT_PROXY_VERSION } from './api.js';
import { apiUnderTest, echoServer } from './test-support.js';

let echo: Awaited<ReturnType<typeof echoServer>>;
fileFixture(
  async () => {
    echo = await echoServer();
  },
  async () => echo?.close(),
);

const upstream = () => `127.0.0.1:${echo.port}`;
const newProxy = (name = 'echo') => ({ name, listen: '127.0.0.1:0', upstream: upstream() });

test('proxies: create, list, get, update, delete with Toxiproxy shapes and codes', async (t) => {
  const { call } = apiUnderTest(t);
  const empty = await call('GET', '/proxies');
  assert.deepEqual([empty.status, empty.body], [200, {}]);

  const created = await call('POST', '/proxies', newProxy());
  assert.equal(created.status, 201);
  assert.deepEqual(Object.keys(created.body), ['name', 'listen', 'upstream', 'protocol', 'enabled', 'toxics']);
  assert.equal(created.body.protocol, 'tcp', 'a client that sends no protocol gets TCP');
  assert.equal(created.body.name, 'echo');
  assert.match(created.body.listen, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(created.body.listen, '127.0.0.1:0', 'the bound port is reported');
  assert.equal(created.body.upstream, upstream());
  assert.equal(created.body.enabled, true);
  assert.deepEqual(created.body.toxics, []);

  const again = await call('POST', '/proxies', newProxy());
  assert.deepEqual(again.body, { error: 'proxy already exists', status: 409 });
  assert.equal(again.status, 409);

  const list = await call('GET', '/proxies');
  assert.deepEqual(Object.keys(list.body), ['echo']);
  assert.deepEqual(list.body.echo, created.body);
  assert.deepEqual((await call('GET', '/proxies/echo')).body, created.body);

  const disabled = await call('POST', '/proxies/echo', { enabled: false });
  assert.equal(disabled.status, 200);
  assert.equal(disabled.body.enabled, false);
  const enabled = await call('PATCH', '/proxies/echo', { enabled: true });
  assert.equal(enabled.body.enabled, true);

  assert.equal((await call('DELETE', '/proxies/echo')).status, 204);
  assert.deepEqual(await call('GET', '/proxies/echo').then((r) => [r.status, r.body]), [404, { error: 'proxy not found', status: 404 }]);
  assert.equal((await call('DELETE', '/proxies/echo')).status, 404);
  assert.equal((await call('POST', '/proxies/echo', { enabled: true })).status, 404);
});

test('proxies: invalid bodies get 400 with a message, never a crash', async (t) => {
  const { call } = apiUnderTest(t);
  const cases: [unknown, RegExp][] = [
    [{ listen: '127.0.0.1:0', upstream: upstream() }, /^missing required field: name$/],
    [{ name: 'x', listen: '127.0.0.1:0' }, /^missing required field: upstream$/],
    [{ name: 'x', upstream: 'no-port' }, /upstream: expected host:port/],
    [{ name: 'x', upstream: upstream(), listen: '127.0.0.1:99999' }, /listen: expected host:port/],
    [{ name: 'x', upstream: upstream(), enabled: 'yes' }, /enabled: expected true or false/],
    [{ name: 7, upstream: upstream() }, /missing required field: name|name/],
    [[1, 2], /bad request body/],
    ['just a string', /bad request body/],
  ];
  for (const [payload, message] of cases) {
    const res = await call('POST', '/proxies', payload);
    assert.equal(res.status, 400, JSON.stringify(payload));
    assert.equal(res.body.status, 400);
    assert.match(res.body.error, message, JSON.stringify(payload));
  }
  const notJson = await call('POST', '/proxies', '{"name": ', { 'content-type': 'application/json' });
  assert.equal(notJson.status, 400);
  assert.match(notJson.body.error, /^bad request body/);
  const empty = await call('POST', '/proxies', undefined);
  assert.equal(empty.status, 400);
  assert.deepEqual((await call('GET', '/proxies')).body, {}, 'nothing was created');

  await call('POST', '/proxies', newProxy());
  const badUpdate = await call('POST', '/proxies/echo', { upstream: 'nope' });
  assert.equal(badUpdate.status, 400);
});

test('a body sent as form-urlencoded (curl -d) is read as JSON, as Toxiproxy does', async (t) => {
  const { call } = apiUnderTest(t);
  const res = await call('POST', '/proxies', JSON.stringify(newProxy()), { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(res.status, 201);
});

test('a listen address already in use is refused with 500 and the reason, and nothing is added', async (t) => {
  const { call } = apiUnderTest(t);
  const first = await call('POST', '/proxies', newProxy('a'));
  const res = await call('POST', '/proxies', { ...newProxy('b'), listen: first.body.listen });
  assert.equal(res.status, 500);
  assert.match(res.body.error, /EADDRINUSE/);
  assert.equal((await call('GET', '/proxies/b')).status, 404);
});

test('toxics: create, list, get, update, delete with Toxiproxy shapes and codes', async (t) => {
  const { call, events } = apiUnderTest(t);
  await call('POST', '/proxies', newProxy());

  const down = await call('POST', '/proxies/echo/toxics', { type: 'latency', attributes: { latency: 100 } });
  assert.equal(down.status, 200, 'Toxiproxy answers 200 for a new toxic');
  assert.deepEqual(down.body, { attributes: { latency: 100, jitter: 0 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 });
  assert.deepEqual(Object.keys(down.body), ['attributes', 'name', 'type', 'stream', 'toxicity']);

  const dup = await call('POST', '/proxies/echo/toxics', { type: 'latency' });
  assert.deepEqual([dup.status, dup.body], [409, { error: 'toxic already exists', status: 409 }]);

  const up = await call('POST', '/proxies/echo/toxics', { name: 'slow', type: 'latency', stream: 'Upstream', toxicity: 0.5, attributes: { latency: 5, jitter: 2 } });
  assert.deepEqual(up.body, { attributes: { latency: 5, jitter: 2 }, name: 'slow', type: 'latency', stream: 'upstream', toxicity: 0.5 });

  const list = await call('GET', '/proxies/echo/toxics');
  assert.deepEqual(
    list.body.map((x: { name: string }) => x.name),
    ['slow', 'latency_downstream'],
    'upstream toxics first',
  );
  assert.deepEqual((await call('GET', '/proxies/echo')).body.toxics, list.body);
  assert.deepEqual((await call('GET', '/proxies/echo/toxics/slow')).body, up.body);
  assert.deepEqual((await call('GET', '/proxies/echo/toxics/none')).body, { error: 'toxic not found', status: 404 });
  assert.deepEqual((await call('GET', '/proxies/none/toxics')).body, { error: 'proxy not found', status: 404 });

  // Attributes merge into the current ones; toxicity left out stays.
  const updated = await call('POST', '/proxies/echo/toxics/latency_downstream', { attributes: { jitter: 10 } });
  assert.deepEqual(updated.body.attributes, { latency: 100, jitter: 10 });
  assert.equal(updated.body.toxicity, 1);
  const patched = await call('PATCH', '/proxies/echo/toxics/latency_downstream', { toxicity: 0.25 });
  assert.equal(patched.body.toxicity, 0.25);
  assert.deepEqual(patched.body.attributes, { latency: 100, jitter: 10 });
  assert.equal((await call('POST', '/proxies/echo/toxics/none', { toxicity: 1 })).status, 404);

  assert.equal((await call('DELETE', '/proxies/echo/toxics/latency_downstream')).status, 204);
  assert.equal((await call('DELETE', '/proxies/echo/toxics/latency_downstream')).status, 404);
  assert.deepEqual((await call('GET', '/proxies/echo/toxics')).body.map((x: { name: string }) => x.name), ['slow']);

  const types = events.since(0).events.map((e) => e.type);
  for (const type of ['proxy-created', 'toxic-added', 'toxic-updated', 'toxic-removed']) assert.ok(types.includes(type), `event ${type}`);
});

test('toxics: invalid bodies get 400 with Toxiproxy messages', async (t) => {
  const { call } = apiUnderTest(t);
  await call('POST', '/proxies', newProxy());
  const cases: [unknown, RegExp][] = [
    [{ type: 'nope' }, /^invalid toxic type$/],
    [{}, /^invalid toxic type$/],
    [{ type: 'latency', stream: 'sideways' }, /^stream was invalid, can be either upstream or downstream$/],
    [{ type: 'latency', toxicity: 2 }, /toxicity: expected 0..1/],
    [{ type: 'latency', toxicity: '1' }, /toxicity: expected a number/],
    [{ type: 'latency', attributes: { latency: -5 } }, /attributes.latency: expected >= 0/],
    [{ type: 'latency', attributes: { latency: 'slow' } }, /attributes.latency/],
    [{ type: 'latency', attributes: 'x' }, /attributes: expected an object/],
    [[], /bad request body/],
  ];
  for (const [payload, message] of cases) {
    const res = await call('POST', '/proxies/echo/toxics', payload);
    assert.equal(res.status, 400, JSON.stringify(payload));
    assert.match(res.body.error, message, JSON.stringify(payload));
  }
  await call('POST', '/proxies/echo/toxics', { type: 'latency', attributes: { latency: 10 } });
  const badUpdate = await call('POST', '/proxies/echo/toxics/latency_downstream', { attributes: { jitter: -1 } });
  assert.equal(badUpdate.status, 400);
  assert.deepEqual((await call('GET', '/proxies/echo/toxics/latency_downstream')).body.attributes, { latency: 10, jitter: 0 }, 'unchanged');
  assert.deepEqual((await call('GET', '/proxies/echo/toxics')).body.length, 1);
});

test('POST /reset enables every proxy and removes every toxic', async (t) => {
  const { call } = apiUnderTest(t);
  await call('POST', '/proxies', newProxy('a'));
  await call('POST', '/proxies', { ...newProxy('b'), enabled: false });
  await call('POST', '/proxies/a/toxics', { type: 'latency', attributes: { latency: 10 } });
  const res = await call('POST', '/reset');
  assert.equal(res.status, 204);
  const all = (await call('GET', '/proxies')).body;
  assert.equal(all.a.enabled, true);
  assert.equal(all.b.enabled, true);
  assert.deepEqual(all.a.toxics, []);
});

test('POST /populate creates or keeps proxies and answers {proxies} with 201', async (t) => {
  const { call } = apiUnderTest(t);
  const first = await call('POST', '/populate', [newProxy('a'), { ...newProxy('b'), enabled: false }]);
  assert.equal(first.status, 201);
  assert.deepEqual(first.body.proxies.map((p: { name: string; enabled: boolean }) => [p.name, p.enabled]), [['a', true], ['b', false]]);

  await call('POST', '/proxies/a/toxics', { type: 'latency' });
  const aListen = first.body.proxies[0].listen;
  // Same listen and upstream: kept as it is, toxics and all.
  const same = await call('POST', '/populate', [{ name: 'a', listen: aListen, upstream: upstream() }]);
  assert.equal(same.status, 201);
  assert.equal(same.body.proxies[0].toxics.length, 1);

  const invalid = await call('POST', '/populate', [newProxy('c'), { name: 'd' }]);
  assert.equal(invalid.status, 400);
  assert.match(invalid.body.error, /^missing required field: upstream at proxy 2$/);
  assert.equal((await call('GET', '/proxies/c')).status, 404, 'nothing is created when any entry is invalid');
  assert.equal((await call('POST', '/populate', { name: 'x' })).status, 400);

  // Failing part-way (a listen address in use): the error, and the proxies done so far.
  const partial = await call('POST', '/populate', [newProxy('e'), { ...newProxy('f'), listen: aListen }]);
  assert.equal(partial.status, 500);
  assert.match(partial.body.error, /EADDRINUSE/);
  assert.deepEqual(partial.body.proxies.map((p: { name: string }) => p.name), ['e']);
});

test('GET /version answers JSON like Toxiproxy', async (t) => {
  const { call } = apiUnderTest(t);
  const res = await call('GET', '/version');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { version: FAULT_PROXY_VERSION });
  assert.match(String(res.headers['content-type']), /^application\/json/);
});

test('browsers are refused, as Toxiproxy does, since these routes have no token', async (t) => {
  const { call } = apiUnderTest(t);
  const res = await call('POST', '/proxies', newProxy(), { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
  assert.deepEqual([res.status, res.body], [403, { error: 'User agent not allowed', status: 403 }]);
  assert.equal((await call('GET', '/healthz', undefined, { 'user-agent': 'Mozilla/5.0' })).status, 200, 'the lab routes still answer');
});

test('lab routes: /lab/state shows proxies, toxics and connections; /metrics counts toxics', async (t) => {
  const { app, call } = apiUnderTest(t);
  await call('POST', '/proxies', newProxy());
  await call('POST', '/proxies/echo/toxics', { type: 'latency', stream: 'upstream' });
  const state = (await call('GET', '/lab/state')).body.state;
  assert.equal(state.seed, 42);
  assert.equal(state.proxies[0].name, 'echo');
  assert.equal(state.proxies[0].toxics[0].name, 'latency_upstream');
  assert.deepEqual(state.proxies[0].connections, []);
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /fault_proxy_toxics_active\{proxy="echo",type="latency",stream="upstream"[^}]*\} 1/);
});

test('/readyz is 503 until the API listens and 200 once it and every enabled proxy are bound', async (t) => {
  const { app, call } = apiUnderTest(t);
  await call('POST', '/proxies', newProxy());
  const before = await call('GET', '/readyz');
  assert.equal(before.status, 503);
  assert.equal(before.body.checks.api.ok, false);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const ready = await call('GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.checks['proxy:echo'].ok, true);
  await call('POST', '/proxies/echo', { enabled: false });
  assert.equal((await call('GET', '/readyz')).status, 200, 'a proxy disabled on purpose is not a readiness failure');
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /fault_proxy_enabled\{proxy="echo"[^}]*\} 0/);
});

