import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN, testController, type TestController } from '../../test/support/controller.js';
import { labSwitches, type SwitchService } from '../../test/support/switch-service.js';
import type { LabService } from '../topology.js';

describe('the fixes as switches of the running lab (PUT /api/fixes)', () => {
  let switches: SwitchService[];
  let controller: TestController;
  const admin = { authorization: `Bearer ${TEST_TOKEN}` };
  const put = (body: unknown, headers: Record<string, string> = admin) => controller.app.inject({ method: 'PUT', url: '/api/fixes', headers, payload: body as object });
  const on = () => Object.fromEntries(switches.map((s) => [s.service.name, s.box.on]));

  before(async () => {
    switches = await labSwitches(TEST_TOKEN);
    // The DNS planner has no fix: it is not asked.
    const planner: LabService = { name: 'dns-planner', kind: 'dns-planner', port: 9, url: 'http://127.0.0.1:9' };
    controller = testController({ services: [...switches.map((s) => s.service), planner] });
  });
  after(async () => {
    await controller.app.close();
    for (const s of switches) await s.app.close();
  });

  it('switches every service of each fix asked for on and every other one off, and says so', async () => {
    const res = await put({ fixes: ['enactor'] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().fixes, ['enactor']);
    assert.equal(res.json().consistent, true);
    assert.deepEqual(res.json().disagree, []);
    assert.deepEqual(on(), { 'dns-enactor-az-a': true, 'dns-enactor-az-b': true, 'nlb-az-a': false, ec2: false });
    assert.deepEqual(switches[0]!.events.since(0).events.map((e) => [e.type, e.data]), [['fix-switched', { fix: 'enactor', on: true }]]);
    assert.ok(controller.events.since(0).events.some((e) => e.type === 'fixes-switched'), "the controller's timeline has it");

    const all = await put({ fixes: ['all'] });
    assert.deepEqual(all.json().fixes, ['enactor', 'nlb-velocity', 'propagation-throttle']);
    assert.deepEqual(on(), { 'dns-enactor-az-a': true, 'dns-enactor-az-b': true, 'nlb-az-a': true, ec2: true });

    assert.deepEqual((await put({ fixes: [] })).json().fixes, []);
    assert.deepEqual(on(), { 'dns-enactor-az-a': false, 'dns-enactor-az-b': false, 'nlb-az-a': false, ec2: false });
  });

  it('tells a lab whose services of one fix disagree (a container started again from compose)', async () => {
    switches[1]!.box.on = true;
    const status = (await controller.app.inject({ method: 'GET', url: '/api/fixes' })).json();
    assert.equal(status.consistent, false);
    assert.deepEqual(status.disagree, ['enactor']);
    assert.deepEqual(status.fixes, [], 'a fix is on only where every service of it is');
    assert.deepEqual(
      status.services.filter((s: { fix: string }) => s.fix === 'enactor').map((s: { name: string; on: boolean }) => [s.name, s.on]),
      [['dns-enactor-az-a', false], ['dns-enactor-az-b', true]],
    );
    assert.equal((await put({ fixes: [] })).json().consistent, true);
  });

  it('refuses a body that is not a list of fix names (400), and a caller without the admin token (401)', async () => {
    for (const body of [{ fixes: ['velocity'] }, { fixes: 'all' }, {}, { fixes: [], extra: 1 }]) {
      const res = await put(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'LAB_ERR_BAD_REQUEST');
    }
    assert.equal((await put({ fixes: ['all'] }, {})).statusCode, 401);
    assert.deepEqual(on(), { 'dns-enactor-az-a': false, 'dns-enactor-az-b': false, 'nlb-az-a': false, ec2: false }, 'nothing was switched');
  });

  it('a service refuses a switch without the token or with a bad body, at its own /lab/fix', async () => {
    const url = `${switches[2]!.service.url}/lab/fix`;
    assert.equal((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"on":true}' })).status, 401);
    for (const body of ['{"on":"yes"}', '{}', '{"on":true,"fix":"enactor"}', 'not json']) {
      const res = await fetch(url, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400, body);
    }
    assert.deepEqual(await (await fetch(url)).json(), { fix: 'nlb-velocity', on: false });
  });

  it('answers 502 naming a service that did not take its switch; the others take theirs', async () => {
    const gone = switches[3]!;
    await gone.app.close();
    const res = await put({ fixes: ['all'] });
    assert.equal(res.statusCode, 502);
    assert.match(res.json().error.message, /propagation-throttle on ec2/);
    assert.equal(switches[2]!.box.on, true);
    const status = (await controller.app.inject({ method: 'GET', url: '/api/fixes' })).json();
    assert.equal(status.consistent, false);
    assert.deepEqual(status.disagree, [], 'the only service of propagation-throttle did not answer: nothing to disagree with');
    assert.equal(status.services.find((s: { name: string }) => s.name === 'ec2').on, null);
  });
});
