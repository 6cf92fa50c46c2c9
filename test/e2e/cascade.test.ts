// Lab a, at the e2e clock (lab-cli.ts E2E_CLOCK), driven through the CLI and the pages as users drive it:
// the kv endpoint served through the lab's DNS; without fixes, aws-2025-10-20 with two seeds, each
// showing the four phases in causal order, each overlapping AWS's interval with IoU >= 0.6, customers
// failing while the endpoint is empty, clearly worse in the NLB window (mostly to capacity the NLB
// removed), recovered once failover is off; then a whole game day, the dashboard, container faults, and
// each fix containing its phase (`run --fix` switches the fixes on the running lab). One lab start for
// all of it, to keep CI short (one file at a time: package.json's test:e2e).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type StartedCascadeLab } from '../../testing/index.js';
import { until } from '../support/until.js';
import { cli, e2eEnv, e2eLab, reportDir } from '../support/lab-cli.js';
import { containerFaultTests } from './parts/container-faults.js';
import { dashboardTests } from './parts/dashboard.js';
import { fixTests } from './parts/fixes.js';
import { gamedayTests } from './parts/gameday.js';
import { ENDPOINT, firstStart, fitOf, hostApi, journalIn, lastEnd, method, PHASE_ORDER } from './support.js';

const api = hostApi(e2eEnv);

describe('lab a: the cascade without fixes, a game day, the dashboard, container faults, each fix', { timeout: 3_600_000 }, () => {
  let lab: StartedCascadeLab | undefined;
  before(async () => {
    lab = await startLab(e2eLab());
  });
  after(async () => {
    await lab?.down();
  });

  describe('the kv endpoint', () => {
    it('resolves through the lab DNS to the kv-store nodes', async () => {
      const nodes = await Promise.all(['kv-1', 'kv-2', 'kv-3'].map(async (id) => ((await api.controller(`/api/services/${id}/state`)).state as { address: string }).address));
      const seen = new Set<string>();
      await until('answers from all three kv-store nodes', async () => {
        const r = await api.lookup();
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
      const out = JSON.parse(await lab!.compose.execIn('dns-planner', ['node', '--input-type=module', '-e', script])) as { put: number; get: number; item: { value: unknown } };
      assert.equal(out.put, 200);
      assert.equal(out.get, 200);
      assert.deepEqual(out.item.value, { hello: 'from inside' });
    });
  });

  describe('aws-2025-10-20', () => {
    for (const seed of [41, 42]) {
      it(`seed ${seed}: the four phases in causal order, each in AWS's proportions (IoU >= 0.6), and the customers feel each window`, async () => {
        // Each seed begins from a lab at rest (backlog drained, fleets at size, checks quiet), not from the
        // tail of the run before. The runner itself only waits for the phases it looks for to end.
        await lab!.settled();
        const dir = reportDir(`cascade-${seed}`);
        const run = await cli(['run', 'aws-2025-10-20', '--seed', String(seed), '--report', dir], 900_000);
        const journal = journalIn(dir);
        const fit = fitOf(journal);
        // Printed whether the test passes or not: the CI output then keeps each run's phases and customers.
        process.stderr.write(`aws-2025-10-20, seed ${seed}: ${fit.summary}\n`);
        assert.equal(run.code, 0, `the operators' runbook should bring the region back (exit 0):\n${run.stderr.slice(-3000)}`);
        assert.equal(journal.clock, e2eLab().env!.LAB_CLOCK, 'the run played at the lab clock');
        for (const name of PHASE_ORDER) assert.ok(journal.phases.some((p) => p.name === name), `no ${name} phase: ${fit.summary}`);
        const starts = PHASE_ORDER.map((name) => firstStart(journal, name));
        for (let i = 1; i < PHASE_ORDER.length; i++) assert.ok(starts[i - 1]! < starts[i]!, `${PHASE_ORDER[i - 1]} must start before ${PHASE_ORDER[i]}: ${fit.summary}`);
        for (const name of PHASE_ORDER) assert.ok((fit.iou[name] ?? 0) >= 0.6, `${name}: IoU with AWS below 0.6: ${fit.summary}`);
        // As at AWS: DNS is back, the kv store is healthy, and DWFM still cannot lease its droplets.
        const repaired = method(journal, 'repair-dns');
        const restarted = method(journal, 'restart-dwfm');
        assert.ok(repaired.ok && restarted.ok, 'the runbook actions succeeded');
        assert.ok(lastEnd(journal, 'dns-empty') <= repaired.end + 2000, `DNS repair ended dns-empty: ${fit.summary}`);
        assert.ok(lastEnd(journal, 'lease-collapse') > restarted.start, `the lease collapse lasted until the DWFM restart: ${fit.summary}`);
        assert.ok(method(journal, 'disable-nlb-failover').ok && !method(journal, 'disable-nlb-failover').skipped, 'failover was disabled: the checks flapped');
        const c = fit.customers;
        assert.ok((c.before ?? 0) >= 0.98, `customers were served before the race: ${fit.summary}`);
        assert.ok((c.dnsEmpty ?? 1) <= 0.2, `almost every request failed while the endpoint was empty: ${fit.summary}`);
        assert.ok((c.nlbWindow ?? 1) < 0.97, `customers felt the NLB window: ${fit.summary}`);
        // 96.7 to 98.9 % without fixes in the README's matrix (7 December 2026, 70 configurations an hour); 92 % in one CI run whose NLB window had 67 %;
        // 91.0 and 91.8 % in one clone at 1h=5s, where failover went off just after the checker had emptied the endpoint (README, Tests).
        assert.ok((c.afterFailoverOff ?? 0) >= 0.9, `customers recovered once failover was off: ${fit.summary}`);
        // As at AWS, "where the remaining capacity was too small, connections failed": most of what the NLB
        // window costs is capacity the NLB removed (no node left in DNS, a node at its capacity), more than
        // the 2 % the nlb-velocity fix is held to, and more than new instances without network
        // configuration cost (the README's matrix of 7 December 2026: 11.1 to 27.8 % against 1.9 to 3.3 %).
        const lost = fit.nlbWindowFailures;
        assert.ok(lost.capacity !== null && lost.targetErrors !== null, `the NLB's failures were sampled: ${fit.summary}`);
        assert.ok(lost.capacity > 0.02 && lost.capacity > lost.targetErrors, `the NLB window's loss is capacity removed: ${fit.summary}`);
        assert.ok(journal.faults.every((f) => f.end !== null), 'every fault was removed');
      });
    }
  });

  gamedayTests(() => lab!.settled());
  // A game ended by the facilitator leaves the cascade going (its backlog, its flapping) until the lab
  // settles by itself; the dashboard's and the faults' tests time the lab, at rest.
  describe('after the game', () => {
    it('the lab comes back to rest by itself', async () => {
      await lab!.settled(300_000);
    });
  });
  dashboardTests();
  containerFaultTests();
  fixTests(() => lab!);
});
