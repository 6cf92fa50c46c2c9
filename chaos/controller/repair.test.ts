import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publishFor, runRace } from '../../test/support/race-sim.js';
import { repairDns } from './repair.js';

describe('repair dns', () => {
  it('restores an endpoint emptied by the race while the stuck enactors keep hammering the lock, and they make progress again', async () => {
    const { emptyAfterMs, lab } = await runRace({ fix: false, seed: 2, planIntervalMs: 250, slowLatencyMs: 400, durationMs: 120_000 });
    try {
      assert.notEqual(emptyAfterMs, null);
      lab.links['az-a']!.latencyMs = 2;
      await lab.clock.advance(5000); // the enactors are stuck, swapping the lock on every attempt
      assert.deepEqual(lab.addresses(), []);
      const operator = lab.links['az-b']!; // the operator's batch goes to the same DNS API
      const repaired = repairDns({ plans: lab.plans, dns: operator });
      await lab.clock.advance(100);
      const result = await repaired;
      assert.equal(result.endpoints[0]?.addresses, 3);
      assert.equal(lab.addresses().length, 3);
      const appliedBefore = Object.values(lab.enactors).reduce((n, e) => n + e.stats.applied, 0);
      await publishFor(lab, 20_000);
      assert.equal(lab.addresses().length, 3, 'still served');
      const appliedAfter = Object.values(lab.enactors).reduce((n, e) => n + e.stats.applied, 0);
      assert.ok(appliedAfter > appliedBefore + 10, `the enactors apply plans again (${appliedBefore} -> ${appliedAfter})`);
    } finally {
      lab.stop();
    }
  });
});
