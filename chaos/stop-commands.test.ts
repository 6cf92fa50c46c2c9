import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_TOKEN, testController, type TestController } from '../test/support/controller.js';
import type { Journal, RunOptions } from './experiments/runner.js';
import { sampleJournal } from './report/sample-journal.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'cli.js');
const auth = { authorization: `Bearer ${TEST_TOKEN}` };

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

/** A run that goes on until it is stopped. */
async function untilStopped(_experiment: unknown, opts: RunOptions): Promise<Journal> {
  await new Promise((resolve) => opts.signal?.addEventListener('abort', resolve, { once: true }));
  return { ...sampleJournal(), scenario: opts.scenario, seed: opts.seed, status: 'aborted', reason: `interrupted (${String(opts.signal?.reason)})` };
}

describe('cascade-lab stop and emergency-stop, against the controller', () => {
  let controller: TestController;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    controller = testController({ execute: untilStopped, repairs: { dns: async () => ({}) } });
    env = { CASCADE_LAB_CONTROLLER: await controller.listen(), LAB_ADMIN_TOKEN: TEST_TOKEN };
  });
  after(() => controller.stop());
  const start = async () => (await controller.app.inject({ method: 'POST', url: '/api/runs', headers: auth, payload: { scenario: 'dns-race', seed: 3 } })).json().id as string;

  it('stop ends the run the page started, and says where its report is', async () => {
    const id = await start();
    const { code, out } = await cli(['stop'], env);
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`stopped ${id}: aborted \\(interrupted \\(stopped by the facilitator\\)\\)`));
    assert.match(out, new RegExp(`report: http://127\\.0\\.0\\.1:\\d+/api/runs/${id}/report\\.html`));
    const again = await cli(['stop'], env);
    assert.equal(again.code, 0);
    assert.match(again.out, /no run is going on the controller/);
    assert.equal((await cli(['stop'], { ...env, LAB_ADMIN_TOKEN: 'wrong' })).code, 2, 'the wrong token is refused');
  });

  it('emergency-stop ends the run and says what it removed, and what it could not reach', async () => {
    const id = await start();
    const { code, out } = await cli(['emergency-stop'], env);
    assert.match(out, new RegExp(`emergency stop: run ${id} aborted; 0 controller faults undone; 0 toxics and 0 leases removed from the fault proxy`));
    assert.match(out, /not done: fault proxy: the lab is not up/);
    assert.equal(code, 1, 'a part it could not reach is a failure');
  });
});
