import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import { TEST_TOKEN, testController, type TestController } from '../../test/support/controller.js';
import { fakeLab, type FakeLab } from '../../test/support/fake-services.js';
import { until } from '../../test/support/until.js';
import { parseExperiment } from '../experiments/format.js';
import { LabContainers } from '../faults/docker.js';
import { FakeDocker } from '../faults/test-support.js';
import { startProxyServer, type ProxyServer } from '../proxy/index.js';
import { echoServer } from '../proxy/test-support.js';
import { emergencyStopSchema, runListSchema } from './contract.js';

const auth = { authorization: `Bearer ${TEST_TOKEN}` };

// A run that slows a link, pauses a container, then waits for ever: only a stop ends it.
const SLOW_FOREVER = parseExperiment(
  `title: slow forever
description: a latency toxic and a paused container, then a wait nothing ends
steady-state-hypothesis:
  title: the kv endpoint resolves
  probes:
    - { type: probe, name: resolves, provider: { type: dns, name: kv.us-east-1.lab.internal }, tolerance: { type: range, target: addresses, range: [1, 64] } }
method:
  - { type: action, name: slow-link, provider: { type: toxic, proxy: enactor-az-a, toxic: { type: latency, stream: both, attributes: { latency: 300 } } } }
  - { type: action, name: freeze-kv-1, provider: { type: fault, kind: pause, target: kv-1 } }
  - type: probe
    name: wait-for-nothing
    provider: { type: wait, probe: { type: dns, name: kv.us-east-1.lab.internal }, until: { type: range, target: addresses, range: [0, 0] }, timeout: 10m }
rollbacks:
  - { type: action, name: clear, provider: { type: clear-faults } }
`,
  'slow-forever.yaml',
);

describe('the emergency stop, against a real fault proxy and a run of the real runner', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: ProxyServer;
  let lab: FakeLab;
  let controller: TestController;
  const docker = new FakeDocker();
  const kv1 = docker.add('lab', 'kv-1');
  before(async () => {
    echo = await echoServer();
    proxy = await startProxyServer({ port: 0, seed: 1, log: silentLogger(), config: [{ name: 'enactor-az-a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }] });
    lab = await fakeLab({ proxy: { name: 'fault-proxy', kind: 'fault-proxy', port: proxy.port, url: proxy.url } });
    controller = testController({
      services: lab.list(),
      containers: new LabContainers(docker, 'lab', 'controller'),
      dns: { host: '127.0.0.1', port: lab.dns.udpPort },
      scenarios: () => [{ name: 'slow-forever', experiment: SLOW_FOREVER }],
    });
    await controller.listen();
    controller.start();
  });
  after(async () => {
    await controller.stop();
    await lab.close();
    await proxy.close();
    await echo.close();
  });
  const toxics = () => proxy.collection.get('enactor-az-a').toxics.list();

  it('ends the run at once and removes every fault, whoever holds it, and says what it removed', async () => {
    const { app } = controller;
    const started = await app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'slow-forever', seed: 7 } });
    assert.equal(started.statusCode, 201, started.body);
    const id = started.json().id as string;
    await until('the run to slow the link and pause kv-1', async () => toxics().length === 2 && docker.stateOf(kv1) === 'paused', 15_000);
    // The page's own toxic, held by the controller, on the same link.
    const held = await app.inject({ method: 'POST', url: '/api/faults', headers: auth, payload: { kind: 'latency', target: 'enactor-az-a', params: { latency: 50 }, ttlMs: 600_000 } });
    assert.equal(held.statusCode, 201, held.body);
    assert.equal(toxics().length, 4);

    assert.equal((await app.inject({ method: 'POST', url: '/api/emergency-stop' })).statusCode, 401);
    const t0 = Date.now();
    const res = await app.inject({ method: 'POST', url: '/api/emergency-stop', headers: auth });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(Date.now() - t0 < 5000, `answered in ${Date.now() - t0} ms`);
    const result = emergencyStopSchema.parse(res.json());
    assert.equal(result.run, id);
    assert.ok(result.controllerFaults >= 2, `the pause and the held toxic (${result.controllerFaults})`);
    assert.ok(result.toxics >= 2, `the run's toxics at least (${result.toxics})`);
    assert.ok(result.proxyLeases >= 1, "the run's proxy lease");
    assert.deepEqual(result.errors, []);

    assert.deepEqual(toxics(), [], 'no toxic left on the fault proxy');
    assert.equal(docker.stateOf(kv1), 'running', 'kv-1 unpaused');
    assert.deepEqual((await app.inject({ url: '/api/faults' })).json(), []);
    await until('the run to end', async () => (await app.inject({ url: '/api/runs/current' })).statusCode === 404, 10_000);
    const finished = runListSchema.parse((await app.inject({ url: '/api/runs' })).json()).finished[0]!;
    assert.equal(finished.id, id);
    assert.equal(finished.state, 'aborted');
    assert.match(finished.reason ?? '', /emergency stop/);
    const stop = controller.events.since(0).events.find((e) => e.type === 'emergency-stop');
    assert.equal(stop?.data.run, id, 'journaled as an event');
    assert.deepEqual(toxics(), [], 'nothing came back while the run ended');
  });

  it('with nothing going on it removes nothing and says so', async () => {
    const res = await controller.app.inject({ method: 'POST', url: '/api/emergency-stop', headers: auth });
    assert.deepEqual(res.json(), { run: null, controllerFaults: 0, toxics: 0, proxyLeases: 0, errors: [] });
  });
});

describe('the emergency stop without a fault proxy', () => {
  it("still undoes the controller's faults, and names what it could not reach", async () => {
    const docker = new FakeDocker();
    const kv1 = docker.add('lab', 'kv-1');
    const controller = testController({
      services: [{ name: 'fault-proxy', kind: 'fault-proxy', port: 9, url: 'http://127.0.0.1:9' }],
      containers: new LabContainers(docker, 'lab', 'controller'),
    });
    const { app } = controller;
    const pause = await app.inject({ method: 'POST', url: '/api/faults', headers: auth, payload: { kind: 'pause', target: 'kv-1', ttlMs: 60_000 } });
    assert.equal(pause.statusCode, 201, pause.body);
    const result = emergencyStopSchema.parse((await app.inject({ method: 'POST', url: '/api/emergency-stop', headers: auth })).json());
    assert.equal(result.controllerFaults, 1);
    assert.equal(docker.stateOf(kv1), 'running');
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0]!, /^fault proxy: the lab is not up/);
    await controller.stop();
  });
});
