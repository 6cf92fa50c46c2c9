import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { systemClock } from '../../lib/clock.js';
import type { Change, RecordSet } from '../../lib/dns-control.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { AppEndpoint } from './app-endpoint.js';
import { buildApp, type NlbDeps } from './app.js';
import { Forwarder } from './forwarder.js';
import { HealthChecker } from './health-checks.js';
import { registerNlbMetrics } from './metrics.js';
import { HttpProber } from './probes.js';
import { LauncherTargets, type Target, type TargetView } from './targets.js';
import { nlbConfig } from './config.js';
import { parseConfig } from '../../lib/config.js';
import { assertRefused } from '../../test/support/config.js';

const TOKEN = 'test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

/** A small customer instance: answers with its name and what it received. */
function instance(name: string): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ instance: name, method: req.method, url: req.url, body: Buffer.concat(chunks).toString(), host: req.headers.host }));
    });
  });
}

class StaticView implements TargetView {
  targets: Target[] = [];
  inService(az?: string) {
    return this.targets.filter((t) => !az || t.az === az);
  }
}

async function call(port: number, path = '/', init: { method?: string; body?: string } = {}) {
  const res = await request(`http://127.0.0.1:${port}${path}`, { ...init, reset: true, signal: AbortSignal.timeout(5000) } as never);
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

describe('NLB node traffic over loopback', () => {
  const servers: Server[] = [];
  const view = new StaticView();
  let forwarder: Forwarder;
  let nlbPort: number;
  let ports: number[];
  let closedPort: number;

  before(async () => {
    ports = [];
    for (const name of ['i-1', 'i-2']) {
      const server = instance(name);
      servers.push(server);
      ports.push(await listen(server));
    }
    const gone = createServer();
    closedPort = await listen(gone);
    await new Promise((r) => gone.close(r));
    forwarder = new Forwarder(view, { az: 'az-a', crossZone: false, timeoutMs: 2000 });
    const traffic = forwarder.createServer();
    servers.push(traffic);
    nlbPort = await listen(traffic);
  });
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    await forwarder.close();
  });

  it('answers 503 while no target of its AZ is in service', async () => {
    const res = await call(nlbPort);
    assert.equal(res.status, 503);
    assert.equal((res.body.error as { code: string }).code, 'NLB_ERR_NO_TARGETS');
    view.targets = [{ id: 'i-b', az: 'az-b', host: '127.0.0.1', port: ports[0]! }];
    assert.equal((await call(nlbPort)).status, 503, 'another AZ\'s target does not count without cross-zone');
  });

  it('forwards round-robin to the in-service targets of its AZ, bodies and all', async () => {
    view.targets = [
      { id: 'i-1', az: 'az-a', host: '127.0.0.1', port: ports[0]! },
      { id: 'i-2', az: 'az-a', host: '127.0.0.1', port: ports[1]! },
    ];
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(nlbPort, '/orders?x=1', { method: 'POST', body: `order ${i}` });
      assert.equal(res.status, 200);
      assert.equal(res.body.url, '/orders?x=1');
      assert.equal(res.body.body, `order ${i}`);
      assert.equal(res.headers['x-nlb-node'], 'az-a');
      seen.push(res.body.instance);
    }
    assert.deepEqual(seen.sort(), ['i-1', 'i-1', 'i-2', 'i-2']);
    assert.equal(forwarder.stats.forwarded, 4);
  });

  it('answers 502 when the chosen target does not accept the connection', async () => {
    view.targets = [{ id: 'i-gone', az: 'az-a', host: '127.0.0.1', port: closedPort }];
    const res = await call(nlbPort);
    assert.equal(res.status, 502);
    assert.match(String((res.body.error as { message: string }).message), /i-gone/);
    assert.deepEqual(forwarder.stats.upstreamErrorsByCause, { ECONNREFUSED: 1 }, 'counted by its cause');
  });

  it('health-checks a target by connecting to it: open listener passes, closed port fails', async () => {
    const prober = new HttpProber();
    const healthy = await prober.target({ id: 'i-1', az: 'az-a', host: '127.0.0.1', port: ports[0]! }, 1000);
    const closed = await prober.target({ id: 'i-gone', az: 'az-a', host: '127.0.0.1', port: closedPort }, 1000);
    await prober.close();
    assert.deepEqual([healthy, closed], [true, false]);
  });
});

describe('NLB targets and configuration', () => {
  it('registers the launcher\'s instances that exist on a host, in its target group, network configured or not', async () => {
    const launcher = createServer((req, res) => {
      assert.equal(req.url, '/v1/instances?group=app', 'only the target group');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        instances: [
          { id: 'i-1', az: 'az-a', host: 'droplet-az-a', port: 20000, state: 'running', dropletId: 'az-a-d001' },
          { id: 'i-2', az: 'az-a', host: 'droplet-az-a', port: 20001, state: 'network-pending', dropletId: 'az-a-d001' },
          { id: 'i-3', az: 'az-b', host: null, port: null, state: 'pending', dropletId: 'az-b-d001' },
          { id: 'i-4', az: 'az-b', host: 'droplet-az-b', port: 20000, state: 'terminated', dropletId: 'az-b-d001' },
        ],
      }));
    });
    const port = await listen(launcher);
    const source = new LauncherTargets(`http://127.0.0.1:${port}`, 2000);
    try {
      assert.deepEqual((await source.list()).map((t) => t.id), ['i-1', 'i-2']);
    } finally {
      await source.close();
      launcher.close();
    }
  });

  it('refuses a bad PEERS or fraction with the variable\'s name', () => {
    assert.throws(() => parseConfig(nlbConfig, { LAB_ADMIN_TOKEN: 't', PEERS: 'az-a:nlb-az-a' }), /PEERS: expected id=http/);
    assert.throws(() => parseConfig(nlbConfig, { LAB_ADMIN_TOKEN: 't', MAX_REMOVE_FRACTION: '1.5' }), /MAX_REMOVE_FRACTION: expected <= 1/);
    const config = parseConfig(nlbConfig, { LAB_ADMIN_TOKEN: 't' });
    assert.deepEqual(config.PEERS.map((p) => p.id), ['az-a', 'az-b', 'az-c']);
    assert.equal(config.FIX_NLB_VELOCITY, false);
  });

  it('a bad PEERS stops the node with a message that starts with PEERS', () => {
    assertRefused(nlbConfig, { LAB_ADMIN_TOKEN: 't', PEERS: 'az-a=http://nlb-az-a:8005,az-b' }, 'PEERS', /expected id=http:\/\/host:port pairs separated by commas, not "az-b"/);
    assertRefused(nlbConfig, { LAB_ADMIN_TOKEN: 't', PEERS: 'az-a=http://nlb-az-a:8005/v1' }, 'PEERS', /expected id=http/);
  });
});

describe('NLB admin API', () => {
  const dns = {
    async change(_changes: Change[]) {
      return {};
    },
    async records(): Promise<RecordSet[]> {
      return [];
    },
  };
  const events = new EventLog();
  const health = new HealthChecker(
    { intervalMs: 1000, timeoutMs: 500, failThreshold: 2, passThreshold: 2, costPerChangeMs: 0, azFailoverThreshold: 0.5, fix: true, maxRemoveFraction: 0.34, nodes: [{ id: 'az-a', url: 'http://x' }] },
    { list: async () => [{ id: 'i-1', az: 'az-a', host: '10.0.0.1', port: 20000 }] },
    { target: async () => true, node: async (p) => ({ id: p.id, address: '10.0.0.5' }) },
    new AppEndpoint(dns, 'app.us-east-1.lab.internal', 2),
    systemClock,
    events,
    silentLogger(),
  );
  const deps = (over: Partial<NlbDeps> = {}): NlbDeps => ({
    nodeId: 'az-a',
    address: '10.0.0.5',
    trafficPort: 80,
    checkerId: 'az-a',
    fix: true,
    checker: { health, endpoint: new AppEndpoint(dns, 'app.us-east-1.lab.internal', 2), pingDns: async () => [] },
    forwarder: new Forwarder(health, { az: 'az-a', crossZone: false, timeoutMs: 1000 }),
    staleAfterMs: 5000,
    now: () => Date.now(),
    trafficListening: () => true,
    log: silentLogger(),
    adminToken: TOKEN,
    registry: createRegistry('nlb', false),
    events,
    ...over,
  });

  it('tells who it is, lists targets with their health, and reports state', async () => {
    await health.round();
    const app = buildApp(deps());
    assert.deepEqual((await app.inject({ method: 'GET', url: '/v1/node' })).json(), { id: 'az-a', address: '10.0.0.5', trafficPort: 80, checker: true });
    const targets = (await app.inject({ method: 'GET', url: '/v1/targets' })).json();
    assert.equal(targets.targets[0].id, 'i-1');
    assert.equal(targets.targets[0].inService, true);
    const state = (await app.inject({ method: 'GET', url: '/lab/state' })).json().state;
    assert.deepEqual(state.targetsByAz, { 'az-a': { total: 1, inService: 1 } });
    assert.equal(state.failoverEnabled, true);
    assert.equal(state.fix, true);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
    await app.close();
  });

  it('PUT /lab/fix switches the velocity control of the running checker; another node only tells it', async () => {
    const app = buildApp(deps());
    const fix = (on: boolean, a = app) => a.inject({ method: 'PUT', url: '/lab/fix', headers: { authorization: `Bearer ${TOKEN}` }, payload: { on } });
    assert.deepEqual((await fix(false)).json(), { fix: 'nlb-velocity', on: false });
    assert.equal(health.opts.fix, false, "the checker's rounds read it");
    assert.equal((await app.inject({ method: 'GET', url: '/lab/state' })).json().state.fix, false);
    await fix(true);
    assert.equal(health.opts.fix, true);
    const follower = buildApp(deps({ nodeId: 'az-b', checker: undefined, fix: false }));
    assert.deepEqual((await fix(true, follower)).json(), { fix: 'nlb-velocity', on: true });
    assert.equal((await follower.inject({ method: 'GET', url: '/lab/state' })).json().state.fix, true);
    await app.close();
    await follower.close();
  });

  it('exposes the traffic and health-check totals as counters', async () => {
    const registry = createRegistry('nlb', false);
    const d = deps({ registry });
    registerNlbMetrics(registry, d.forwarder, d.checker!);
    await health.round();
    const app = buildApp(d);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of ['nlb_traffic_requests', 'nlb_traffic_upstream_errors', 'nlb_health_rounds_total', 'nlb_health_flaps_total', 'nlb_health_late_checks_total', 'nlb_health_dns_errors_total']) {
      assert.match(metrics, new RegExp(`# TYPE ${name} counter`));
    }
    assert.match(metrics, /# TYPE nlb_targets gauge/);
    assert.match(metrics, /nlb_health_rounds_total\{service="nlb"\} [1-9]/);
    await app.close();
  });

  it('lets an operator switch automatic failover with the token and a valid body only', async () => {
    const app = buildApp(deps());
    const url = '/v1/operator/failover';
    assert.equal((await app.inject({ method: 'POST', url, payload: { enabled: false } })).statusCode, 401);
    assert.equal((await app.inject({ method: 'POST', url, headers: auth, payload: { enabled: 'no' } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'POST', url, headers: auth, payload: {} })).statusCode, 400);
    const res = await app.inject({ method: 'POST', url, headers: auth, payload: { enabled: false } });
    assert.deepEqual(res.json(), { enabled: false });
    assert.equal(health.failoverEnabled, false);
    await app.inject({ method: 'POST', url, headers: auth, payload: { enabled: true } });
    assert.equal(health.failoverEnabled, true);
    await app.close();

    const follower = buildApp(deps({ nodeId: 'az-b', checker: undefined }));
    assert.equal((await follower.inject({ method: 'POST', url, headers: auth, payload: { enabled: false } })).statusCode, 409);
    await follower.close();
  });
});
