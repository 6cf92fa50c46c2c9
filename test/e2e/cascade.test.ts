// The whole cascade in Docker, through the CLI as a user runs it: `run aws-2025-10-20` reproduces the
// four phases in causal order (dns-empty, then lease-collapse, then propagation-backlog, then
// nlb-flapping), the lease collapse outlasts the DNS repair until the operators restart DWFM, as at AWS;
// with every fix on, none of the phases appears and customers keep at least 99 % success. Several seeds.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type StartedCascadeLab } from '../../testing/index.js';
import { cli, e2eLab, readJournal, reportDir } from '../support/lab-cli.js';

const ORDER = ['dns-empty', 'lease-collapse', 'propagation-backlog', 'nlb-flapping'];

type Journal = ReturnType<typeof readJournal> & { fixes: string[]; activities: { name: string; phase: string; start: number; end: number; ok: boolean; skipped?: boolean; output?: { condition?: number } }[] };
const journalOf = (dir: string) => readJournal(dir) as Journal;
const firstStart = (j: Journal, name: string) => Math.min(...j.phases.filter((p) => p.name === name).map((p) => p.start));
const lastEnd = (j: Journal, name: string) => Math.max(...j.phases.filter((p) => p.name === name).map((p) => p.end));
const action = (j: Journal, name: string) => {
  const a = j.activities.find((x) => x.phase === 'method' && x.name === name);
  assert.ok(a, `no ${name} in the journal`);
  return a;
};

describe('aws-2025-10-20 in Docker', { timeout: 3_600_000 }, () => {
  let lab: StartedCascadeLab | undefined;
  after(async () => {
    await lab?.down();
  });

  describe('without the fixes', () => {
    before(async () => {
      lab = await startLab(e2eLab());
    });

    for (const seed of [41, 42]) {
      it(`seed ${seed}: all four phases in causal order; the lease collapse lasts until DWFM is restarted`, async () => {
        const dir = reportDir(`cascade-${seed}`);
        const run = await cli(['run', 'aws-2025-10-20', '--seed', String(seed), '--report', dir], 900_000);
        const journal = journalOf(dir);
        const summary = JSON.stringify(journal.phases);
        assert.equal(run.code, 0, `the operators' runbook should bring the region back (exit 0):\n${run.stderr.slice(-3000)}`);
        for (const name of ORDER) assert.ok(journal.phases.some((p) => p.name === name), `no ${name} phase: ${summary}`);
        const starts = ORDER.map((name) => firstStart(journal, name));
        for (let i = 1; i < ORDER.length; i++) {
          assert.ok(starts[i - 1]! < starts[i]!, `${ORDER[i - 1]} (${starts[i - 1]} ms) must start before ${ORDER[i]} (${starts[i]} ms): ${summary}`);
        }
        const repaired = action(journal, 'repair-dns');
        const restarted = action(journal, 'restart-dwfm');
        assert.ok(repaired.ok && restarted.ok, 'the runbook actions succeeded');
        // As at AWS: DNS is back, the kv store is healthy, and DWFM still cannot lease its droplets.
        assert.ok(lastEnd(journal, 'dns-empty') <= repaired.end + 2000, `DNS repair ended dns-empty: ${summary}`);
        assert.ok(lastEnd(journal, 'lease-collapse') > restarted.start, `the lease collapse lasted until the DWFM restart: ${summary}`);
        assert.ok(journal.customer.requests > 0 && (journal.customer.successRate ?? 1) < 0.95, `customers felt it: ${JSON.stringify(journal.customer)}`);
        assert.ok(journal.faults.every((f) => f.end !== null), 'every fault was removed');
      });
    }
  });

  describe('with every fix on', () => {
    before(async () => {
      if (lab) await lab.restart({ fixes: ['all'] });
      else lab = await startLab(e2eLab({ fixes: ['all'] }));
    });

    for (const seed of [51, 52]) {
      it(`seed ${seed}: no phase at all, and customers keep at least 99 % success`, async () => {
        const dir = reportDir(`cascade-fixed-${seed}`);
        const run = await cli(['run', 'aws-2025-10-20', '--fix', 'all', '--seed', String(seed), '--report', dir], 900_000);
        const journal = journalOf(dir);
        assert.equal(run.code, 0, run.stderr.slice(-3000));
        assert.deepEqual([...journal.fixes].sort(), ['enactor', 'nlb-velocity', 'propagation-throttle']);
        assert.deepEqual(journal.phases, [], 'no phase of the cascade');
        // The trigger really played out: the slowed enactor reached the stale write the defect makes, and
        // the fix refused it (condition 1 of the wait), instead of the sweep simply timing out.
        const race = journal.activities.find((a) => a.name === 'wait-for-the-race' && a.ok);
        assert.equal(race?.output?.condition, 1, 'the fixed enactor refused the stale plan');
        // The operators had nothing to repair: no empty endpoint, no collapsed DWFM.
        for (const step of ['repair-dns', 'throttle-launches', 'restart-dwfm']) assert.equal(action(journal, step).skipped, true, `${step} was skipped`);
        assert.ok(journal.customer.requests > 1000, `customer traffic ran: ${JSON.stringify(journal.customer)}`);
        assert.ok((journal.customer.successRate ?? 0) >= 0.99, `customer success ${JSON.stringify(journal.customer)}`);
      });
    }
  });
});
