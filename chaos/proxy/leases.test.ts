import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { buildApp } from './api.js';
import { FaultLeases } from './leases.js';
import { echoServer, newCollection } from './test-support.js';

describe('fault leases', () => {
  it('a toxic bound to a lease is removed when the lease is not renewed', async () => {
    const clock = new ManualClock(0);
    const removed: string[] = [];
    const leases = new FaultLeases(clock, new EventLog(), (proxy, toxic) => removed.push(`${proxy}/${toxic}`));
    leases.renew('run-1', 6000);
    leases.bind('run-1', 'enactor-az-a', 'latency_up');
    await clock.advance(4000);
    leases.renew('run-1', 6000); // renewed at 4 s: lives until 10 s
    await clock.advance(5000);
    leases.sweep();
    assert.deepEqual(removed, [], 'still held at 9 s');
    await clock.advance(1000);
    leases.sweep();
    assert.deepEqual(removed, ['enactor-az-a/latency_up'], 'gone once the lease ran out');
    assert.deepEqual(leases.list(), []);
  });

  it('refuses to bind to a lease that does not exist or has run out', async () => {
    const clock = new ManualClock(0);
    const leases = new FaultLeases(clock, new EventLog(), () => {});
    assert.throws(() => leases.bind('ghost', 'p', 't'), /no live lease/);
    leases.renew('short', 100);
    await clock.advance(100);
    assert.throws(() => leases.bind('short', 'p', 't'), /no live lease/);
  });

  it('release removes the toxics at once', () => {
    const removed: string[] = [];
    const leases = new FaultLeases(new ManualClock(0), new EventLog(), (p, t) => removed.push(`${p}/${t}`));
    leases.renew('run-2', 6000);
    leases.bind('run-2', 'a', 'x');
    leases.bind('run-2', 'b', 'y');
    assert.equal(leases.release('run-2')?.toxics.length, 2);
    assert.deepEqual(removed, ['a/x', 'b/y']);
  });
});

describe('fault leases over the API', () => {
  const clock = new ManualClock(0);
  const { collection } = newCollection({ clock });
  const events = new EventLog();
  const leases = new FaultLeases(clock, events, (p, t) => collection.get(p).toxics.remove(t));
  const app = buildApp({ collection, leases, log: silentLogger(), adminToken: 't', registry: createRegistry('fp', false), events });
  let echo: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    echo = await echoServer();
    await collection.add({ name: 'link', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
  });
  after(async () => {
    await collection.clear();
    await echo.close();
  });
  const toxics = async () => (await app.inject({ method: 'GET', url: '/proxies/link/toxics' })).json() as { name: string }[];
  const latency = { type: 'latency', stream: 'upstream', attributes: { latency: 100 } };

  it('a toxic for an unknown lease is refused and not left behind', async () => {
    const res = await app.inject({ method: 'POST', url: '/proxies/link/toxics', headers: { 'x-lab-lease': 'nobody' }, payload: latency });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(await toxics(), []);
  });

  it('a leased toxic lives while renewed and is swept after', async () => {
    assert.equal((await app.inject({ method: 'PUT', url: '/lab/leases/run-9', payload: { ttlMs: 3000 } })).statusCode, 200);
    const res = await app.inject({ method: 'POST', url: '/proxies/link/toxics', headers: { 'x-lab-lease': 'run-9' }, payload: latency });
    assert.equal(res.statusCode, 200);
    await clock.advance(2000);
    leases.sweep();
    assert.equal((await toxics()).length, 1);
    await clock.advance(1000);
    leases.sweep();
    assert.deepEqual(await toxics(), []);
    assert.ok(events.since(0).events.some((e) => e.type === 'lease-expired'));
  });

  it('validates lease requests', async () => {
    assert.equal((await app.inject({ method: 'PUT', url: '/lab/leases/run-9', payload: { ttlMs: 'long' } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'PUT', url: '/lab/leases/bad%20name', payload: { ttlMs: 1000 } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'PUT', url: '/lab/leases/run-9', payload: {} })).statusCode, 400);
  });
});
