import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_TOKEN, testController, type TestController } from '../test/support/controller.js';
import { gameRunner } from '../test/support/game-runner.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'cli.js');

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('cascade-lab gameday, against the controller', () => {
  let controller: TestController;
  let env: NodeJS.ProcessEnv;
  const runner = gameRunner();
  before(async () => {
    controller = testController({ execute: runner.execute, repairs: { dns: async () => ({ action: 'dns' }) } });
    env = { CASCADE_LAB_CONTROLLER: await controller.listen(), LAB_ADMIN_TOKEN: TEST_TOKEN };
  });
  after(() => controller.stop());

  it("starts a game and prints the responders' page and token once; status, pause where it may, end with the score", async () => {
    assert.equal((await cli(['gameday', 'status'], env)).stderr.trim(), 'no game day on this controller (cascade-lab gameday start --scenario aws-2025-10-20)');
    assert.equal((await cli(['gameday', 'start', '--scenario', 'aws-2025-10-20', '--clock', '1h=1ms'], env)).code, 1, 'commander refuses a clock the lab cannot take');

    const started = await cli(['gameday', 'start', '--scenario', 'aws-2025-10-20', '--team', 'Blue team', '--clock', '1h=1s'], env);
    assert.equal(started.code, 0, started.stderr);
    const token = /^responders' token: (\S+)$/m.exec(started.stdout)?.[1];
    assert.ok(token && token.length >= 32, started.stdout);
    assert.match(started.stdout, new RegExp(`^responders' page:  ${env.CASCADE_LAB_CONTROLLER}/responders$`, 'm'));
    assert.match(started.stderr, /game day started: Blue team plays aws-2025-10-20 at 1h=1s/);

    const responders = { authorization: `Bearer ${token}` };
    assert.equal((await controller.app.inject({ method: 'POST', url: '/api/responders/actions', headers: responders, payload: { by: 'Alice', action: 'dns' } })).statusCode, 200, 'the printed token is the responders\' one');

    const status = await cli(['gameday', 'status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Blue team plays aws-2025-10-20 at 1h=1s: running/m);
    assert.match(status.stdout, /Alice: dns$/m);
    assert.ok(!status.stdout.includes(token!), 'status never shows the token');

    const refused = await cli(['gameday', 'pause'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /409 the scenario cannot be paused now/);

    const ended = await cli(['gameday', 'end'], env);
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /: ended \(by the facilitator\)/);
    assert.match(ended.stdout, /^score:$/m);
    assert.match(ended.stdout, /Your team has not restored DNS \(AWS did at \+2:37\)/, 'nothing was measured: the action could not count');
    assert.match(ended.stdout, /1 action could not be judged: the lab was not measured when it was taken\./);
    assert.match(ended.stdout, /^review: http:\/\/127\.0\.0\.1:\d+\/api\/runs\/.*aws-2025-10-20.*\/review\.md$/m);
    assert.equal((await cli(['gameday', 'status'], { ...env, LAB_ADMIN_TOKEN: token })).code, 2, "the responders' token cannot steer the game");
  });
});
