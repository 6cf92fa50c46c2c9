import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/log.js';
import { until } from '../../test/support/until.js';
import { startProxyServer, type ProxyServer } from '../proxy/index.js';
import { echoServer } from '../proxy/test-support.js';
import { TEST_TOKEN, testController } from '../../test/support/controller.js';
import { CATALOGUE } from '../faults/catalogue.js';
import { LabContainers } from '../faults/docker.js';
import { FakeDocker } from '../faults/test-support.js';

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

function controller() {
  const clock = new ManualClock(5000);
  const docker = new FakeDocker();
  const enactor = docker.add('lab', 'dns-enactor-az-a', [{ network: 'lab_lab', ipv4: '172.30.1.5', aliases: ['dns-enactor-az-a'] }]);
  const { app, faults } = testController({ clock, containers: new LabContainers(docker, 'lab', 'controller') });
  return { app, docker, enactor, faults, clock };
}

describe('controller fault API', () => {
  const { app, docker, enactor, faults } = controller();
  after(() => app.close());
  const post = (payload: unknown, headers: Record<string, string> = auth) => app.inject({ method: 'POST', url: '/api/faults', headers, payload: payload as object });

  it('lists the whole catalogue with descriptions and parameter schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/faults/catalogue' });
    assert.equal(res.statusCode, 200);
    const kinds = res.json() as { kind: string; description: string; params: { properties: Record<string, unknown> } }[];
    assert.deepEqual(kinds.map((k) => k.kind), CATALOGUE.map((k) => k.kind));
    for (const k of ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'udp-latency', 'udp-drop', 'kill', 'stop', 'pause', 'restart', 'disconnect', 'pause-loop', 'slow-handler']) {
      const entry = kinds.find((x) => x.kind === k);
      assert.ok(entry && entry.description.length > 10, `${k} is in the catalogue with a description`);
    }
    assert.deepEqual(Object.keys(kinds.find((k) => k.kind === 'latency')!.params.properties), ['latency', 'jitter']);
  });

  it('answers 400 with a message for every kind of bad input, and 401 without the token', async () => {
    const cases: [unknown, RegExp][] = [
      [{ kind: 'explode', target: 'kv-1', ttlMs: 1000 }, /unknown fault kind "explode"; known: .*pause/],
      [{ kind: 'kill', target: 'dns-enactor-az-a', params: { signal: 'SIGHUP' }, ttlMs: 1000 }, /kill: parameter signal/],
      [{ kind: 'stop', target: 'dns-enactor-az-a', params: { timeout: 'soon' }, ttlMs: 1000 }, /stop: parameter timeout: expected seconds/],
      [{ kind: 'pause', target: 'dns-enactor-az-a', params: { for: 3 }, ttlMs: 1000 }, /unknown parameter for/],
      [{ kind: 'pause', target: 'dns-enactor-az-a' }, /holder .* or a ttlMs/],
      [{ kind: 'pause', target: 'nope', ttlMs: 1000 }, /no container of service "nope" in compose project lab; known: dns-enactor-az-a/],
      [{ kind: 'latency', target: 'enactor-az-a', params: { latency: -1 }, ttlMs: 1000 }, /latency: parameter latency/],
      [{ kind: 'pause', target: 'dns-enactor-az-a', ttlMs: 'long' }, /ttlMs/],
      [{ kind: 'pause' }, /target/],
    ];
    for (const [body, message] of cases) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json().error.message, message);
    }
    assert.equal((await post({ kind: 'pause', target: 'dns-enactor-az-a', ttlMs: 1000 }, {})).statusCode, 401);
    assert.equal((await post({ kind: 'pause', target: 'dns-enactor-az-a', holder: 'nobody' })).statusCode, 409);
    assert.equal(docker.stateOf(enactor), 'running', 'nothing was done');
  });

  it('injects under a lease, lists it, and undoes it on DELETE', async () => {
    const lease = await app.inject({ method: 'PUT', url: '/api/leases/cli-7', headers: auth, payload: { ttlMs: 6000 } });
    assert.equal(lease.statusCode, 200);
    const res = await post({ kind: 'disconnect', target: 'dns-enactor-az-a', holder: 'cli-7' });
    assert.equal(res.statusCode, 201, res.body);
    const { id } = res.json() as { id: string };
    assert.deepEqual((await docker.inspect(enactor)).attachments, []);
    const listed = (await app.inject({ method: 'GET', url: '/api/faults' })).json() as { id: string; holder: string; params: unknown }[];
    assert.deepEqual(listed.map((f) => [f.id, f.holder, f.params]), [[id, 'cli-7', { network: 'lab' }]]);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/leases' })).json()[0].faults, [id]);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/faults/${id}`, headers: auth })).statusCode, 200);
    assert.equal((await docker.inspect(enactor)).attachments.length, 1);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/faults/${id}`, headers: auth })).statusCode, 404);
    assert.deepEqual(faults.list(), []);
  });

  it('releasing a lease and clearing undo what they hold', async () => {
    await app.inject({ method: 'PUT', url: '/api/leases/run-1', headers: auth, payload: { ttlMs: 6000 } });
    await post({ kind: 'pause', target: 'dns-enactor-az-a', holder: 'run-1' });
    assert.equal(docker.stateOf(enactor), 'paused');
    const released = await app.inject({ method: 'DELETE', url: '/api/leases/run-1', headers: auth });
    assert.equal(released.json().faultsUndone, 1);
    assert.equal(docker.stateOf(enactor), 'running');
    await post({ kind: 'kill', target: 'dns-enactor-az-a', ttlMs: 60_000 });
    assert.equal(docker.stateOf(enactor), 'exited');
    assert.deepEqual((await app.inject({ method: 'DELETE', url: '/api/faults', headers: auth })).json(), { removed: 1 });
    assert.equal(docker.stateOf(enactor), 'running');
  });
});

describe('toxics the controller holds (the dashboard injects them)', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: ProxyServer;
  let controller: ReturnType<typeof testController>;
  before(async () => {
    echo = await echoServer();
    proxy = await startProxyServer({
      port: 0,
      seed: 1,
      log: silentLogger(),
      config: [
        { name: 'enactor-az-a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` },
        { name: 'dns-udp', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, protocol: 'udp' },
      ],
    });
    controller = testController({
      services: [
        { name: 'fault-proxy', kind: 'fault-proxy', port: proxy.port, url: proxy.url },
        { name: 'kv-1', kind: 'kv-store', port: 9, url: 'http://127.0.0.1:9' },
        { name: 'controller', kind: 'controller', port: 9, url: 'http://127.0.0.1:9' },
      ],
    });
    controller.start();
  });
  after(async () => {
    await controller.stop();
    await proxy.close();
    await echo.close();
  });
  const toxics = () => proxy.collection.get('enactor-az-a').toxics.list();

  it('lists the targets each kind of fault may have', async () => {
    const res = await controller.app.inject({ url: '/api/faults/targets' });
    assert.deepEqual(res.json(), { 'tcp-link': ['enactor-az-a'], 'udp-link': ['dns-udp'], container: ['fault-proxy', 'kv-1'], service: ['fault-proxy', 'kv-1', 'controller'] });
  });

  it('puts the toxic on both streams of the link until DELETE or its ttl, and refuses a link that is not there', async () => {
    const { app } = controller;
    const res = await app.inject({ method: 'POST', url: '/api/faults', headers: auth, payload: { kind: 'latency', target: 'enactor-az-a', params: { latency: 250 }, ttlMs: 60_000 } });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(toxics().map((t) => [t.name, t.stream, t.toJSON().attributes.latency]), [
      ['held_latency_upstream', 'upstream', 250],
      ['held_latency_downstream', 'downstream', 250],
    ]);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/faults/${res.json().id}`, headers: auth })).statusCode, 200);
    assert.deepEqual(toxics(), []);

    await app.inject({ method: 'POST', url: '/api/faults', headers: auth, payload: { kind: 'bandwidth', target: 'enactor-az-a', params: { rate: 10 }, ttlMs: 300 } });
    assert.equal(toxics().length, 2);
    await until('the ttl to run out', async () => toxics().length === 0, 5000);

    const cases: [object, RegExp][] = [
      [{ kind: 'latency', target: 'enactor-az-z', ttlMs: 1000 }, /latency goes on a TCP link of the fault proxy, not "enactor-az-z"; known: enactor-az-a/],
      [{ kind: 'udp-drop', target: 'enactor-az-a', ttlMs: 1000 }, /udp-drop goes on a UDP link .* known: dns-udp/],
    ];
    for (const [body, message] of cases) {
      const bad = await app.inject({ method: 'POST', url: '/api/faults', headers: auth, payload: body });
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(bad.json().error.message, message);
    }
  });
});
