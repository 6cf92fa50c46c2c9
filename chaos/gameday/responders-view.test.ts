import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { TEST_TOKEN, testController, type TestController } from '../../test/support/controller.js';
import { fakeLab, type FakeLab } from '../../test/support/fake-services.js';
import { gameRunner } from '../../test/support/game-runner.js';
import { until } from '../../test/support/until.js';
import { PHASES } from '../experiments/format.js';
import { listScenarios } from '../scenarios.js';
import { redactState, visibleEvent } from './responders-view.js';

const admin = { authorization: `Bearer ${TEST_TOKEN}` };

/** Reads a server-sent-event stream until `enough` says so (or 15 s pass): the messages, as JSON text. */
async function readStream(url: string, headers: Record<string, string>, enough: (messages: { event: string; data: string }[]) => boolean) {
  const res = await request(url, { headers, signal: AbortSignal.timeout(15_000) });
  assert.equal(res.statusCode, 200);
  const messages: { event: string; data: string }[] = [];
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += chunk.toString();
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        messages.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? 'message', data: /^data: (.*)$/m.exec(block)?.[1] ?? '' });
      }
      if (enough(messages)) break;
    }
  } finally {
    res.body.destroy();
  }
  return messages;
}

describe("the responders' live stream: symptoms only", () => {
  let lab: FakeLab;
  let controller: TestController;
  let base: string;
  let players: Record<string, string>;
  let faultId: string;

  before(async () => {
    lab = await fakeLab({ token: TEST_TOKEN });
    const runner = gameRunner();
    controller = testController({ services: lab.list(), dns: { host: '127.0.0.1', port: lab.dns.udpPort }, execute: runner.execute, repairs: 'runbook' });
    base = await controller.listen();
    controller.start();
    const started = await controller.app.inject({ method: 'POST', url: '/api/gameday', headers: admin, payload: { scenario: 'aws-2025-10-20', clock: '1h=1s' } });
    assert.equal(started.statusCode, 201, started.body);
    players = { authorization: `Bearer ${started.json().responders.token}` };
    const fault = await controller.app.inject({ method: 'POST', url: '/api/faults', headers: admin, payload: { kind: 'slow-handler', target: 'kv-2', params: { ms: 250 }, ttlMs: 60_000 } });
    assert.equal(fault.statusCode, 201, fault.body);
    faultId = fault.json().id;
    // What the services say meanwhile: a symptom, a fault hook's doing, the fault proxy's toxic, a step's name.
    lab.get('dns-enactor-az-b').events.emit('plan-applied', { generation: 41, endpoint: 'kv.us-east-1.lab.internal' });
    lab.get('kv-2').events.emit('slowed', { ms: 250 });
    lab.get('fault-proxy').events.emit('toxic-added', { proxy: 'enactor-az-b', name: 'lab_latency_downstream' });
    lab.ofKind('ec2').events.emit('note', { text: 'wait-for-the-race' });
  });
  after(async () => {
    await controller.stop();
    await lab.close();
  });

  it('carries no fault, no run, no scenario, phase or step name, and nothing of the chaos machinery, in the JSON that goes out', async () => {
    const messages = await readStream(`${base}/api/responders/live`, players, (m) => m.filter((x) => x.event === 'frame').length >= 3 && m.some((x) => x.data.includes('plan-applied')));
    assert.equal(messages[0]?.event, 'hello');
    const text = messages.map((m) => m.data).join('\n');
    assert.ok(text.includes('plan-applied'), "the services' own events get through (the filter lets symptoms by)");
    assert.ok(text.includes('"kv-2":"ready"') && text.includes('dns-enactor-az-b'), 'every service of the lab with its readiness');
    const scenario = listScenarios().find((s) => s.name === 'aws-2025-10-20')!.experiment;
    const secrets = [
      'aws-2025-10-20',
      ...PHASES,
      ...scenario.method.map((a) => a.name),
      faultId,
      'slow-handler',
      'slowed',
      'lab_latency_downstream',
      'toxic-added',
      '"fault-proxy"',
      '"faults"',
      '"run"',
    ];
    for (const secret of secrets) assert.ok(!text.includes(secret), `the responders' stream says ${JSON.stringify(secret)}`);
    for (const m of messages.filter((x) => x.event === 'frame')) {
      const frame = JSON.parse(m.data) as Record<string, unknown>;
      assert.deepEqual(Object.keys(frame).filter((k) => ['faults', 'run'].includes(k)), []);
    }
  });

  it('is still all there for the facilitator, with the admin token: the fault, the run and its phase', async () => {
    const messages = await readStream(`${base}/api/live`, admin, (m) => m.filter((x) => x.event === 'frame').length >= 2);
    const frames = messages.filter((x) => x.event === 'frame').map((x) => JSON.parse(x.data));
    const last = frames.at(-1);
    assert.ok(last.faults.some((f: { id: string }) => f.id === faultId), 'the fault is on the facilitator\'s view');
    assert.equal(last.run.scenario, 'aws-2025-10-20');
    assert.equal(last.run.phases[0].name, 'dns-empty');
    const refused = await request(`${base}/api/live`, { headers: players });
    assert.equal(refused.statusCode, 403);
    await refused.body.dump();
    const anonymous = await request(`${base}/api/responders/live`);
    assert.equal(anonymous.statusCode, 401);
    await anonymous.body.dump();
  });

  it('filters events and redacts states by the same rules', () => {
    const hidden = new Set(['fault-proxy', 'controller']);
    const event = (service: string, type: string, data: Record<string, unknown> = {}) => ({ service, time: 1, type, data });
    assert.equal(visibleEvent(event('kv-1', 'plan-applied'), hidden, []), true);
    assert.equal(visibleEvent(event('controller', 'run-started'), hidden, []), false);
    assert.equal(visibleEvent(event('dns-enactor-az-a', 'paused'), hidden, []), false);
    assert.equal(visibleEvent(event('ec2-1', 'x', { why: 'wait-for-the-race' }), hidden, ['wait-for-the-race']), false);
    assert.deepEqual(redactState('kv-store', { served: 3, slowByMs: 250 }), { served: 3 });
    assert.deepEqual(redactState('ec2', { slowByMs: 1 }), { slowByMs: 1 }, 'only the fault hooks of that kind');
  });
});

describe('a game day beginning', () => {
  it("cuts the facilitator's view opened without the admin token (reconnecting, it is asked for the token), not the one opened with it", async () => {
    const runner = gameRunner();
    const controller = testController({ execute: runner.execute });
    const base = await controller.listen();
    controller.start();
    try {
      const open = async (headers: Record<string, string>) => {
        const res = await request(`${base}/api/live`, { headers });
        assert.equal(res.statusCode, 200);
        let text = '';
        const ended = (async () => {
          for await (const chunk of res.body) text += chunk.toString();
        })().then(
          () => true,
          () => true,
        );
        return { ended, text: () => text, close: () => res.body.destroy() };
      };
      const anonymous = await open({});
      const facilitator = await open(admin);
      await until("both got hello", () => anonymous.text().includes('event: hello') && facilitator.text().includes('event: hello'));
      const started = await controller.app.inject({ method: 'POST', url: '/api/gameday', headers: admin, payload: { scenario: 'aws-2025-10-20' } });
      assert.equal(started.statusCode, 201);
      await until("the anonymous stream cut, the facilitator's kept", () => controller.live.subscriberCount === 1);
      assert.equal(await anonymous.ended, true);
      const again = await request(`${base}/api/live`);
      assert.equal(again.statusCode, 401);
      await again.body.dump();
      facilitator.close();
    } finally {
      await controller.stop();
    }
  });
});
