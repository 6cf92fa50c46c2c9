import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN, testController, type TestController } from '../test/support/controller.js';
import { cli } from '../test/support/lab-cli.js';
import { labSwitches, type SwitchService } from '../test/support/switch-service.js';

describe('cascade-lab fixes, against the controller', () => {
  let switches: SwitchService[];
  let controller: TestController;
  let env: NodeJS.ProcessEnv;
  const on = () => switches.map((s) => s.box.on);
  before(async () => {
    switches = await labSwitches(TEST_TOKEN);
    controller = testController({ services: switches.map((s) => s.service) });
    env = { CASCADE_LAB_CONTROLLER: await controller.listen(), LAB_ADMIN_TOKEN: TEST_TOKEN };
  });
  after(async () => {
    await controller.stop();
    for (const s of switches) await s.app.close();
  });

  it('switches the running lab to exactly the fixes given, and shows each switch', async () => {
    const set = await cli(['fixes', 'enactor,propagation-throttle'], 30_000, env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^fixes: enactor, propagation-throttle\n/);
    assert.match(set.stdout, /nlb-az-a +nlb-velocity +off\n/);
    assert.deepEqual(on(), [true, true, false, true]);

    const none = await cli(['fixes', 'none'], 30_000, env);
    assert.match(none.stdout, /^fixes: none\n/);
    assert.deepEqual(on(), [false, false, false, false]);

    const json = JSON.parse((await cli(['fixes', 'all', '--json'], 30_000, env)).stdout);
    assert.deepEqual(json.fixes, ['enactor', 'nlb-velocity', 'propagation-throttle']);
    assert.deepEqual(on(), [true, true, true, true]);
  });

  it('without a list only shows them, and exits 1 when the services of a fix disagree', async () => {
    switches[1]!.box.on = false;
    const shown = await cli(['fixes'], 30_000, env);
    assert.equal(shown.code, 1);
    assert.match(shown.stdout, /^fixes: nlb-velocity, propagation-throttle \(the services of enactor disagree\)\n/);
    assert.match(shown.stdout, /dns-enactor-az-b +enactor +off\n/);
    assert.deepEqual(on(), [true, false, true, true], 'nothing switched');
  });

  it('refuses a name that is not a fix, naming the known ones, and switches nothing', async () => {
    const bad = await cli(['fixes', 'velocity'], 30_000, env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown fix "velocity"; known: enactor, nlb-velocity, propagation-throttle, all/);
    assert.deepEqual(on(), [true, false, true, true]);
  });
});
