import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ManualClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { PlanStore } from '../../lib/plans.js';
import { startRedis, type TestRedis } from '../../test/support/redis-server.js';
import { buildApp } from './app.js';
import { targetsFrom, weightFor, type NodeReport } from './capacity.js';
import { Planner } from './planner.js';

const ENDPOINT = 'kv.us-east-1.lab.internal';

describe('capacity to plan targets', () => {
  it('keeps only ready nodes with an address, weighted by headroom', () => {
    const targets = targetsFrom([
      { id: 'kv-2', ready: true, address: '10.0.0.2', inflight: 64, capacity: 64 },
      { id: 'kv-1', ready: true, address: '10.0.0.1', inflight: 0, capacity: 64 },
      { id: 'kv-3', ready: false, address: '10.0.0.3' },
    ]);
    assert.deepEqual(targets.map((t) => t.id), ['kv-1', 'kv-2']);
    assert.equal(targets[0]?.weight, 255);
    assert.ok((targets[1]?.weight ?? 0) < 64);
  });
  it('weights fall as load rises', () => {
    const w = [0, 16, 32, 48, 64].map((inflight) => weightFor({ id: 'x', ready: true, inflight, capacity: 64 }));
    for (let i = 1; i < w.length; i++) assert.ok((w[i] as number) < (w[i - 1] as number), `weights ${w.join(',')}`);
  });
});

describe('planner over a real Redis', () => {
  let redis: TestRedis;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
  });

  it('publishes on capacity changes and on the interval, never otherwise', async () => {
    await client.flushall();
    const clock = new ManualClock(1000);
    let reports: NodeReport[] = [
      { id: 'kv-1', ready: true, address: '10.0.0.1', inflight: 0, capacity: 10 },
      { id: 'kv-2', ready: true, address: '10.0.0.2', inflight: 0, capacity: 10 },
    ];
    const store = new PlanStore(client);
    const planner = new Planner(
      { endpoint: ENDPOINT, nodes: [{ id: 'kv-1', url: 'x' }, { id: 'kv-2', url: 'y' }], planIntervalMs: 1000, probeIntervalMs: 100, keep: 100 },
      store,
      async (id) => reports.find((r) => r.id === id) as NodeReport,
      clock,
      new EventLog(),
      silentLogger(),
    );
    assert.equal((await planner.tick())?.reason, 'capacity-change'); // first plan
    await clock.advance(100);
    assert.equal(await planner.tick(), null); // nothing changed, not due
    reports = [reports[0] as NodeReport, { ...(reports[1] as NodeReport), ready: false }];
    const changed = await planner.tick();
    assert.equal(changed?.reason, 'capacity-change');
    assert.deepEqual(changed?.endpoints[ENDPOINT]?.map((t) => t.id), ['kv-1']);
    await clock.advance(1000);
    assert.equal((await planner.tick())?.reason, 'periodic');
    assert.equal(await store.latestGeneration(), 3);
    assert.equal((await store.latest())?.generation, 3);
  });

  it('forces a plan on an authenticated request only', async () => {
    const clock = new ManualClock();
    const events = new EventLog();
    const planner = new Planner(
      { endpoint: ENDPOINT, nodes: [], planIntervalMs: 1000, probeIntervalMs: 100, keep: 100 },
      new PlanStore(client), async () => ({ id: 'x', ready: false }), clock, events, silentLogger(),
    );
    const app = buildApp({ planner, pingRedis: () => client.ping(), log: silentLogger(), adminToken: 't', registry: createRegistry('p', false), events });
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503); // no plan yet
    assert.equal((await app.inject({ method: 'POST', url: '/v1/plans' })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/plans', headers: { authorization: 'Bearer t' }, payload: { reason: 7 } })).statusCode, 400);
    const res = await app.inject({ method: 'POST', url: '/v1/plans', headers: { authorization: 'Bearer t' }, payload: { reason: 'drill' } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().plan.reason, 'drill');
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/lab/events' })).json().events[0].type, 'plan-published');
    await app.close();
  });
});
