import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ManualClock, systemClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { startRedis, type TestRedis } from '../../test/support/redis-server.js';
import { Admission, Throttled } from './admission.js';
import { buildApp } from './app.js';
import { KvStore } from './store.js';

const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('kv-store API over a real Redis', () => {
  let redis: TestRedis;
  let client: Redis;
  let app: ReturnType<typeof buildApp>;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    app = buildApp({
      nodeId: 'kv-1',
      address: '10.0.0.1',
      store: new KvStore(client),
      admission: new Admission(4, 100, 0, systemClock),
      log: silentLogger(),
      adminToken: TOKEN,
      registry: createRegistry('kv-store', false),
      events: new EventLog(),
    });
  });
  after(async () => {
    await app.close();
    client.disconnect();
    await redis.stop();
  });

  it('puts, gets and deletes an item with increasing versions', async () => {
    let res = await app.inject({ method: 'PUT', url: '/v1/items/a', headers: auth, payload: { value: { n: 1 } } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().version, 1);
    res = await app.inject({ method: 'PUT', url: '/v1/items/a', headers: auth, payload: { value: { n: 2 } } });
    assert.equal(res.json().version, 2);
    res = await app.inject({ method: 'GET', url: '/v1/items/a' });
    assert.deepEqual(res.json(), { key: 'a', value: { n: 2 }, version: 2 });
    res = await app.inject({ method: 'DELETE', url: '/v1/items/a', headers: auth });
    assert.deepEqual(res.json(), { key: 'a', deleted: true });
    res = await app.inject({ method: 'GET', url: '/v1/items/a' });
    assert.equal(res.statusCode, 404);
  });

  it('conditional put succeeds only on the expected version', async () => {
    let res = await app.inject({ method: 'PUT', url: '/v1/items/lease:1', headers: auth, payload: { value: 'x', expectedVersion: 0 } });
    assert.equal(res.statusCode, 200);
    res = await app.inject({ method: 'PUT', url: '/v1/items/lease:1', headers: auth, payload: { value: 'y', expectedVersion: 0 } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.details.actualVersion, 1);
    res = await app.inject({ method: 'PUT', url: '/v1/items/lease:1', headers: auth, payload: { value: 'y', expectedVersion: 1 } });
    assert.equal(res.json().version, 2);
    res = await app.inject({ method: 'GET', url: '/v1/items/lease:1' });
    assert.equal(res.json().value, 'y');
  });

  it('exactly one of many concurrent conditional creates wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.inject({ method: 'PUT', url: '/v1/items/race', headers: auth, payload: { value: i, expectedVersion: 0 } }),
      ),
    );
    assert.equal(results.filter((r) => r.statusCode === 200).length, 1);
    assert.equal(results.filter((r) => r.statusCode === 409).length, 19);
  });

  it('rejects writes without the token and malformed bodies', async () => {
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/items/a', payload: { value: 1 } })).statusCode, 401);
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/items/a', headers: { ...auth, authorization: 'Bearer nope' }, payload: { value: 1 } })).statusCode, 401);
    const noValue = await app.inject({ method: 'PUT', url: '/v1/items/a', headers: auth, payload: { nope: 1 } });
    assert.equal(noValue.statusCode, 400);
    assert.match(noValue.json().error.message, /value/);
    const badVersion = await app.inject({ method: 'PUT', url: '/v1/items/a', headers: auth, payload: { value: 1, expectedVersion: -1 } });
    assert.equal(badVersion.statusCode, 400);
    const badJson = await app.inject({ method: 'PUT', url: '/v1/items/a', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"value":' });
    assert.equal(badJson.statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/items/bad%20key' })).statusCode, 400);
  });

  it('is ready while Redis answers and reports its address and load', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    const state = (await app.inject({ method: 'GET', url: '/lab/state' })).json().state;
    assert.equal(state.address, '10.0.0.1');
    assert.equal(state.capacity, 4);
  });

  it('slows every request by the slow-handler hook, and back (admin only, validated)', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/v1/slow', payload: { ms: 50 } })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/slow', headers: auth, payload: { ms: -1 } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/slow', headers: auth, payload: { ms: '50' } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/slow', headers: auth, payload: { ms: 150 } })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/lab/state' })).json().state.slowByMs, 150);
    let started = performance.now();
    await app.inject({ method: 'GET', url: '/v1/items/slow' });
    assert.ok(performance.now() - started >= 140, 'the request took the extra time');
    await app.inject({ method: 'POST', url: '/v1/slow', headers: auth, payload: { ms: 0 } });
    started = performance.now();
    await app.inject({ method: 'GET', url: '/v1/items/slow' });
    assert.ok(performance.now() - started < 140, 'back to normal speed');
  });
});

describe('kv-store when Redis is gone', () => {
  it('answers 503 and is not ready, without crashing', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, commandTimeout: 300, retryStrategy: () => 200 });
    client.on('error', () => {});
    const app = buildApp({
      nodeId: 'kv-1', address: '10.0.0.1', store: new KvStore(client), admission: new Admission(4, 10, 0, systemClock),
      log: silentLogger(), adminToken: TOKEN, registry: createRegistry('kv-store', false), events: new EventLog(),
    });
    await redis.stop();
    const res = await app.inject({ method: 'GET', url: '/v1/items/a' });
    assert.equal(res.statusCode, 503);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    await app.close();
    client.disconnect();
  });
});

describe('admission', () => {
  it('queues beyond capacity, so latency grows with concurrency, and throttles past the queue limit', async () => {
    const clock = new ManualClock();
    const admission = new Admission(2, 2, 10, clock);
    const finished: number[] = [];
    const runs = [0, 1, 2, 3].map((i) => admission.run(async () => finished.push(i)));
    await assert.rejects(admission.run(async () => 0), Throttled);
    assert.deepEqual(admission.snapshot().queued, 2);
    await clock.advance(10);
    assert.deepEqual(finished, [0, 1]);
    await clock.advance(10);
    await Promise.all(runs);
    assert.deepEqual(finished, [0, 1, 2, 3]);
    assert.equal(admission.snapshot().inflight, 0);
  });

  it('holds the slot slowByMs longer when slowed', async () => {
    const clock = new ManualClock();
    const admission = new Admission(1, 10, 10, clock);
    admission.slowByMs = 40;
    let done = false;
    const run = admission.run(async () => (done = true));
    await clock.advance(49);
    assert.equal(done, false);
    await clock.advance(1);
    await run;
    assert.equal(done, true);
  });
});
