// The trigger in Docker, through the CLI as a user runs it: the lab comes up, its kv endpoint resolves
// through the lab DNS to the kv-store nodes and serves reads and writes from inside a container;
// `run dns-race` empties the endpoint (NOERROR, no answers) and it stays empty after the fault until
// `repair dns`; with the enactor fix the same scenario never empties it. Several seeds each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { lookupA } from '../../lib/dns-client.js';
import { startLab, type StartedCascadeLab } from '../../testing/index.js';
import { until } from '../support/until.js';
import { cli, e2eEnv, e2eLab, readJournal, reportDir, spawnCli } from '../support/lab-cli.js';

const ENDPOINT = 'kv.us-east-1.lab.internal';
const dnsPort = Number(e2eEnv.LAB_DNS_PORT);
const lookup = () => lookupA(ENDPOINT, dnsPort, '127.0.0.1', 2000);

async function controller(path: string) {
  const res = await request(`http://127.0.0.1:${e2eEnv.LAB_CONTROLLER_PORT}${path}`);
  return res.body.json() as Promise<Record<string, unknown>>;
}

async function activeToxics(): Promise<number> {
  const res = await request(`http://127.0.0.1:${e2eEnv.LAB_FAULT_API_PORT}/proxies`);
  const proxies = (await res.body.json()) as Record<string, { toxics: unknown[] }>;
  return Object.values(proxies).reduce((n, p) => n + p.toxics.length, 0);
}

describe('dns-race in Docker', { timeout: 3_600_000 }, () => {
  let lab: StartedCascadeLab | undefined;
  before(async () => {
    lab = await startLab(e2eLab());
  });
  after(async () => {
    await lab?.down();
  });

  it('resolves the kv endpoint through the lab DNS to the kv-store nodes', async () => {
    const nodes = await Promise.all(
      ['kv-1', 'kv-2', 'kv-3'].map(async (id) => ((await controller(`/api/services/${id}/state`)).state as { address: string }).address),
    );
    const seen = new Set<string>();
    await until('answers from all three kv-store nodes', async () => {
      const r = await lookup();
      assert.equal(r.rcodeName, 'NOERROR');
      for (const a of r.addresses) {
        assert.ok(nodes.includes(a), `${a} is not a kv-store node (${nodes.join(', ')})`);
        seen.add(a);
      }
      return seen.size === 3;
    }, 30_000);
  });

  it('serves a kv put and get through that name from inside a container', async () => {
    const script = `
      const base = 'http://${ENDPOINT}:8000/v1/items/e2e-item';
      const headers = { 'content-type': 'application/json', authorization: 'Bearer ' + process.env.LAB_ADMIN_TOKEN };
      const put = await fetch(base, { method: 'PUT', headers, body: JSON.stringify({ value: { hello: 'from inside' } }) });
      const got = await fetch(base);
      console.log(JSON.stringify({ put: put.status, get: got.status, item: await got.json() }));`;
    const out = JSON.parse(await lab!.compose.execIn('dns-planner', ['node', '--input-type=module', '-e', script]));
    assert.equal(out.put, 200);
    assert.equal(out.get, 200);
    assert.deepEqual(out.item.value, { hello: 'from inside' });
  });

  // Two seeds here; the cascade's runs (cascade.test.ts) fire the same race twice more.
  for (const seed of [11, 12]) {
    it(`seed ${seed}: dns-race empties the endpoint, it stays empty without the fault, and repair dns restores it`, async () => {
      const dir = reportDir(`race-${seed}`);
      const run = await cli(['run', 'dns-race', '--seed', String(seed), '--report', dir]);
      assert.equal(run.code, 1, `expected the steady state to deviate (exit 1):\n${run.stderr}`);
      const journal = readJournal(dir);
      assert.equal(journal.status, 'deviated');
      const empty = journal.phases.find((p) => p.name === 'dns-empty');
      assert.ok(empty, 'no dns-empty phase detected');
      assert.ok(journal.faults.length > 0 && journal.faults.every((f) => f.end !== null), 'every fault was removed');
      assert.equal(await activeToxics(), 0, 'no toxic is left on the fault proxy');
      assert.ok(journal.customer.requests > 0 && (journal.customer.successRate ?? 1) < 1, 'customers felt it');
      // A real query, well after the fault is gone: NOERROR with no answers (not NXDOMAIN)
      const r = await lookup();
      assert.equal(r.rcodeName, 'NOERROR');
      assert.deepEqual(r.addresses, []);
      const repair = await cli(['repair', 'dns']);
      assert.equal(repair.code, 0, repair.stderr);
      assert.ok((await lookup()).addresses.length > 0, 'repair dns brings the endpoint back');
    });
  }

  describe('with the enactor fix', () => {
    before(async () => {
      if (lab) await lab.restart({ fixes: ['enactor'] });
      else lab = await startLab(e2eLab({ fixes: ['enactor'] }));
    });
    it('a run killed with SIGKILL mid-fault leaves no fault behind within 10 s', async () => {
      const run = spawnCli(['run', 'dns-race', '--seed', '31', '--report', reportDir('killed')]);
      const exited = new Promise((resolve) => run.once('exit', resolve));
      await until('the run to inject its fault', async () => (await activeToxics()) > 0, 60_000, 100);
      run.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      await until('the fault proxy to drop the dead run\u2019s faults', async () => (await activeToxics()) === 0, 10_000, 100);
      assert.ok(Date.now() - killedAt <= 10_000);
      assert.ok((await lookup()).addresses.length > 0, 'the lab is back to normal by itself');
    });

    for (const seed of [21, 22]) {
      it(`seed ${seed}: the same scenario never empties the endpoint`, async () => {
        const dir = reportDir(`fixed-${seed}`);
        const run = await cli(['run', 'dns-race', '--fix', 'enactor', '--seed', String(seed), '--report', dir]);
        assert.equal(run.code, 0, `expected the steady state to hold (exit 0):\n${run.stderr}`);
        const journal = readJournal(dir);
        assert.equal(journal.status, 'completed');
        assert.deepEqual(journal.fixes, ['enactor']);
        assert.equal(journal.phases.filter((p) => p.name === 'dns-empty').length, 0);
        // The race played out: the slowed enactor reached the stale write and the fix refused it.
        const waits = (journal as unknown as { activities: { name: string; ok: boolean; output?: { condition?: number } }[] }).activities;
        assert.equal(waits.find((a) => a.name === 'wait-for-the-endpoint-to-empty' && a.ok)?.output?.condition, 1, 'the fixed enactor refused the stale plan');
        assert.equal(await activeToxics(), 0);
        assert.ok((await lookup()).addresses.length > 0);
      });
    }
  });
});
