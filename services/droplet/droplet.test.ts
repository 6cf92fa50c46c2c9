import { StateChecks } from './state-checks.js';
import { systemClock } from '../../lib/clock.js';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { EventLog } from '../../lib/events.js';
import { KvClient } from '../../lib/kv-client.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { Resolver } from '../../lib/resolver.js';
import { buildApp } from './app.js';
import { customerHandler, itemKey, type AppStats } from './customer-app.js';
import { registerDropletMetrics } from './metrics.js';
import { InstanceHost } from './instances.js';

const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}` };
const KV_NAME = 'kv.us-east-1.lab.internal';

/** A small kv endpoint on loopback that speaks the kv-store's item API. */
function startFakeKv(): Promise<{ server: Server; port: number; items: Map<string, unknown> }> {
  const items = new Map<string, unknown>();
  const server = createServer((req, res) => {
    const key = decodeURIComponent((req.url ?? '').replace('/v1/items/', ''));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'PUT') items.set(key, JSON.parse(Buffer.concat(chunks).toString()).value);
      const found = items.has(key);
      res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found ? { key, value: items.get(key), version: 1 } : { error: { code: 'KV_ERR_NOT_FOUND' } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port, items })));
}

function connect(port: number): Promise<'open' | string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function get(port: number, path: string, method = 'GET', body?: string) {
  const res = await request(`http://127.0.0.1:${port}${path}`, { method, body, reset: true, signal: AbortSignal.timeout(5000) });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe('droplet host: instances as real listeners', () => {
  let kvServer: Awaited<ReturnType<typeof startFakeKv>>;
  let resolvable = true;
  let kv: KvClient;
  let host: InstanceHost;
  let app: ReturnType<typeof buildApp>;
  const stats: AppStats = { requests: 0, ok: 0, failed: 0 };

  before(async () => {
    kvServer = await startFakeKv();
    const lookup = async (name: string) => {
      if (!resolvable || name !== KV_NAME) throw Object.assign(new Error('no such name'), { code: 'ENOTFOUND' });
      return [{ address: '127.0.0.1', ttl: 0 }];
    };
    kv = new KvClient({
      url: `http://${KV_NAME}:${kvServer.port}`,
      token: TOKEN,
      resolver: new Resolver({ lookup, minTtlMs: 0, negativeTtlMs: 0 }),
      timeoutMs: 2000,
    });
    const base = 30000 + Math.floor(Math.random() * 3000) * 10;
    host = new InstanceHost({ portMin: base, portMax: base + 9, host: '127.0.0.1', keepTerminated: 10 }, customerHandler(kv, stats), new EventLog());
    const registry = createRegistry('droplet', false);
    registerDropletMetrics(registry, host, stats);
    app = buildApp({ hostId: 'droplet-az-a', az: 'az-a', host, checks: new StateChecks({ durationMs: 0, renewDurationMs: 0, concurrency: 4 }, systemClock), appStats: stats, log: silentLogger(), adminToken: TOKEN, registry, events: new EventLog() });
  });
  after(async () => {
    await app.close();
    await host.close();
    await kv.close();
    kvServer.server.close();
  });

  it('creates an instance whose port refuses connections until its network configuration arrives', async () => {
    let res = await app.inject({ method: 'POST', url: '/v1/instances', headers: auth, payload: { id: 'i-0001', dropletId: 'az-a-d001' } });
    assert.equal(res.statusCode, 201);
    const { id, port } = res.json() as { id: string; port: number };
    assert.equal(id, 'i-0001');
    assert.equal(await connect(port), 'ECONNREFUSED');
    assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/instances?state=created' })).json().map((i: { id: string }) => i.id), ['i-0001']);

    res = await app.inject({ method: 'POST', url: '/v1/instances/i-0001/network', headers: auth, payload: {} });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().state, 'serving');
    const health = await get(port, '/healthz');
    assert.equal(health.status, 200);
    assert.equal(health.body.instance, 'i-0001');
    // Idempotent, also without a body.
    res = await app.inject({ method: 'POST', url: '/v1/instances/i-0001/network', headers: auth });
    assert.equal(res.statusCode, 200);
    res = await app.inject({ method: 'GET', url: '/v1/droplets/az-a-d001/check' });
    assert.deepEqual(res.json(), { ok: true, dropletId: 'az-a-d001', host: 'droplet-az-a', instances: 1 });
    res = await app.inject({ method: 'GET', url: '/v1/droplets/az-a-d001/check?kind=renew' });
    assert.equal(res.statusCode, 200);
    res = await app.inject({ method: 'GET', url: '/v1/droplets/az-a-d001/check?kind=reboot' });
    assert.equal(res.statusCode, 400, 'a check of an unknown kind is refused');
    assert.match(res.json().error.message, /kind/);
  });

  it('a retried launch gets the same port; another droplet claiming the id is a conflict', async () => {
    const first = await app.inject({ method: 'POST', url: '/v1/instances', headers: auth, payload: { id: 'i-0002', dropletId: 'az-a-d001' } });
    const again = await app.inject({ method: 'POST', url: '/v1/instances', headers: auth, payload: { id: 'i-0002', dropletId: 'az-a-d001' } });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().port, first.json().port);
    const other = await app.inject({ method: 'POST', url: '/v1/instances', headers: auth, payload: { id: 'i-0002', dropletId: 'az-a-d002' } });
    assert.equal(other.statusCode, 409);
  });

  it('the customer app answers 200 through kv by name, 503 when the kv name does not resolve', async () => {
    const port = host.get('i-0001').port;
    let res = await get(port, '/orders', 'POST', 'one order');
    assert.equal(res.status, 200);
    assert.equal(res.body.key, 'app/orders');
    assert.deepEqual((res.body.item as { value: { body: string } }).value.body, 'one order');
    assert.equal(kvServer.items.size, 1);
    res = await get(port, '/orders');
    assert.equal(res.status, 200);

    resolvable = false;
    res = await get(port, '/orders');
    assert.equal(res.status, 503);
    assert.match(JSON.stringify(res.body), /did not resolve/);
    assert.equal((await get(port, '/healthz')).status, 200, 'target health checks do not touch kv');
    resolvable = true;
    assert.equal((await get(port, '/')).status, 200);
    assert.deepEqual([stats.ok, stats.failed], [3, 1]);
  });

  it('/metrics: customer app requests are a counter, instances a gauge', async () => {
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /# TYPE droplet_app_requests counter/);
    assert.match(metrics, /droplet_app_requests\{outcome="ok",service="droplet"\} 3\n/);
    assert.match(metrics, /droplet_app_requests\{outcome="failed",service="droplet"\} 1\n/);
    assert.match(metrics, /# TYPE droplet_instances gauge/);
  });

  it('deleting an instance closes its listener and frees the port', async () => {
    const port = host.get('i-0001').port;
    const res = await app.inject({ method: 'DELETE', url: '/v1/instances/i-0001', headers: auth });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().state, 'terminated');
    assert.equal(await connect(port), 'ECONNREFUSED');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/instances/i-0001', headers: auth })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/instances/i-0001/network', headers: auth, payload: {} })).statusCode, 409);
    const next = await app.inject({ method: 'POST', url: '/v1/instances', headers: auth, payload: { id: 'i-0003', dropletId: 'az-a-d001' } });
    assert.equal(next.json().port, port, 'the freed port is given out again');
    assert.equal((await app.inject({ method: 'GET', url: '/lab/state' })).json().state.counts.terminated, 1);
  });

  it('refuses changes without the token and bodies that do not fit', async () => {
    const cases = [
      { payload: { id: 'i-9', dropletId: 'az-a-d001' }, headers: {}, status: 401 },
      { payload: { id: 'i-9', dropletId: 'az-a-d001' }, headers: { authorization: 'Bearer wrong' }, status: 401 },
      { payload: { id: 'x-9', dropletId: 'az-a-d001' }, headers: auth, status: 400 },
      { payload: { id: 'i-9' }, headers: auth, status: 400 },
      { payload: { id: 'i-9', dropletId: 'az-a-d001', extra: 1 }, headers: auth, status: 400 },
      { payload: { id: 9, dropletId: 'az-a-d001' }, headers: auth, status: 400 },
      { payload: { id: 'i-9', dropletId: '../x' }, headers: auth, status: 400 },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: '/v1/instances', headers: c.headers, payload: c.payload });
      assert.equal(res.statusCode, c.status, JSON.stringify(c));
      assert.ok(res.json().error.message);
    }
    assert.equal((await app.inject({ method: 'POST', url: '/v1/instances/i-0002/network', headers: auth, payload: { x: 1 } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/instances/i-0002/network', payload: {} })).statusCode, 401);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/instances/i-0404', headers: auth })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/instances?state=bogus' })).statusCode, 400);
  });

  it('is ready when an instance port can be bound', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 200);
  });

  it('maps request paths to kv items', () => {
    assert.equal(itemKey('/'), 'app/home');
    assert.equal(itemKey('/a/b?x=1'), 'app/a/b');
    assert.equal(itemKey('/%%%'), 'app/home');
  });
});
