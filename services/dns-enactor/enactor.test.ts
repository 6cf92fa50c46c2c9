import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { settle } from '../../lib/clock.js';
import { plansSuffix, rollbackName, treeName } from '../../lib/plans.js';
import { createLab, ENDPOINT, runRaces, TARGETS, type RaceOutcome } from '../../test/support/race-sim.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { buildApp } from './app.js';

describe('enactor mechanics (virtual time, real zone)', () => {
  it('applies a plan: tree written, alias on it, rollback on the previous tree, lock released', async () => {
    const lab = createLab({ fix: false, seed: 1 });
    const a = lab.enactors['az-a']!;
    lab.plans.publish();
    assert.deepEqual(await settle(lab.clock, a.cycle()), { [ENDPOINT]: 'applied' });
    lab.plans.publish([TARGETS[0]!]);
    assert.deepEqual(await settle(lab.clock, a.cycle()), { [ENDPOINT]: 'applied' });
    const alias = lab.zone.list({ name: ENDPOINT })[0];
    assert.equal(alias?.target, treeName(ENDPOINT, 2));
    assert.equal(lab.zone.list({ name: rollbackName(ENDPOINT) })[0]?.target, treeName(ENDPOINT, 1));
    assert.deepEqual(lab.addresses(), ['10.0.0.11']);
    assert.match(lab.zone.list({ name: `_lock.${ENDPOINT}` })[0]?.values?.[0] ?? '', /^holder=;expires=0$/);
    assert.equal(await settle(lab.clock, a.cycle()), null, 'the same plan is not picked twice');
  });

  it('backs off while another enactor holds the lock, and proceeds once it expires', async () => {
    const lab = createLab({ fix: false, seed: 2 });
    lab.zone.apply([{ action: 'CREATE', name: `_lock.${ENDPOINT}`, type: 'TXT', ttl: 0, values: [`holder=az-b;expires=${lab.clock.now() + 5000}`] }]);
    lab.plans.publish();
    const done = lab.enactors['az-a']!.cycle();
    await lab.clock.advance(4000);
    assert.equal(lab.addresses().length, 0, 'nothing applied while az-b holds the lock');
    assert.ok(lab.events['az-a']!.since(0).events.some((e) => e.type === 'lock-busy'));
    await lab.clock.advance(3000);
    assert.deepEqual(await done, { [ENDPOINT]: 'applied' });
    assert.equal(lab.addresses().length, 3);
  });

  it('cleans up trees many generations older than the plan it applied, and keeps recent ones', async () => {
    const lab = createLab({ fix: false, seed: 3 });
    const a = lab.enactors['az-a']!;
    for (let g = 1; g <= 15; g++) {
      lab.plans.publish();
      await settle(lab.clock, a.cycle());
    }
    const gens = new Set(lab.zone.list({ suffix: plansSuffix(ENDPOINT) }).map((r) => r.name));
    assert.equal(gens.has(treeName(ENDPOINT, 4)), false, 'generation 4 is more than 10 older than 15');
    assert.equal(gens.has(treeName(ENDPOINT, 5)), true);
    assert.equal(gens.has(treeName(ENDPOINT, 15)), true);
  });

  it('without the fix applies a plan that empties the endpoint; with the fix refuses it', async () => {
    for (const fix of [false, true]) {
      const lab = createLab({ fix, seed: 4 });
      const a = lab.enactors['az-a']!;
      lab.plans.publish();
      await settle(lab.clock, a.cycle());
      lab.plans.publish([]);
      const outcome = await settle(lab.clock, a.cycle());
      assert.deepEqual(outcome, { [ENDPOINT]: fix ? 'refused' : 'applied' });
      assert.equal(lab.addresses().length, fix ? 3 : 0);
    }
  });

  it('without the fix a late enactor overwrites a newer plan; with the fix it drops its stale plan', async () => {
    for (const fix of [false, true]) {
      const lab = createLab({ fix, seed: 5 });
      const [a, b] = [lab.enactors['az-a']!, lab.enactors['az-b']!];
      lab.plans.publish();
      lab.links['az-a']!.latencyMs = 1000;
      const late = a.cycle(); // picks generation 1 and passes its freshness check now
      await lab.clock.advance(10);
      lab.plans.publish();
      const fast = b.cycle(); // generation 2
      await lab.clock.advance(200);
      assert.deepEqual(await fast, { [ENDPOINT]: 'applied' });
      await lab.clock.advance(20_000);
      assert.deepEqual(await late, { [ENDPOINT]: fix ? 'stale' : 'applied' });
      const active = lab.zone.list({ name: ENDPOINT })[0]?.target;
      assert.equal(active, treeName(ENDPOINT, fix ? 2 : 1));
    }
  });
});

describe('the race, in virtual time, with the enactors\u2019 real defaults', () => {
  const race = { planIntervalMs: 250, slowLatencyMs: 400, durationMs: 120_000 };
  const unfixed = [1, 2, 3, 4, 5];
  const fixed = [1, 2, 3];
  // Every race of this block at once, in worker threads (test/support/workers.ts); each test reads its own.
  let outcomes: Promise<RaceOutcome[]>;
  before(() => {
    outcomes = runRaces([
      // the fault is gone after the race, the planner goes on: nobody can repair it
      ...unfixed.map((seed) => ({ ...race, fix: false, seed, afterMs: 30_000 })),
      ...fixed.map((seed) => ({ ...race, fix: true, seed })),
      { ...race, fix: false, seed: 9, slowLatencyMs: 2 },
    ]);
  });
  for (const [i, seed] of unfixed.entries()) {
    it(`seed ${seed}: a slowed enactor link empties the endpoint and it stays empty after the fault`, async () => {
      const { emptyAfterMs, addresses, stats } = (await outcomes)[i]!;
      assert.notEqual(emptyAfterMs, null, 'the endpoint never went empty');
      assert.deepEqual(addresses, []);
      // every enactor tries and fails the same way: the rollback record cannot point at the deleted tree
      for (const [id, s] of Object.entries(stats)) assert.ok(s.inconsistent >= 3, `${id} failed ${s.inconsistent} times`);
    });
  }
  for (const [i, seed] of fixed.entries()) {
    it(`seed ${seed}: with the enactor fix the same fault never empties the endpoint`, async () => {
      const { emptyAfterMs, stats } = (await outcomes)[unfixed.length + i]!;
      assert.equal(emptyAfterMs, null);
      assert.ok(stats['az-a']!.stale + stats['az-a']!.applied > 0, 'the slow enactor did work');
    });
  }
  it('without a fault the endpoint is always served', async () => {
    const { emptyAfterMs, zoneSize } = (await outcomes).at(-1)!;
    assert.equal(emptyAfterMs, null);
    assert.ok(zoneSize < 100, `clean-up keeps the zone small (${zoneSize} records)`);
  });
  it('PUT /lab/fix switches the fix of the running enactor: a plan that would empty the endpoint is refused, then applied once off', async () => {
    const lab = createLab({ fix: false, seed: 4 });
    const a = lab.enactors['az-a']!;
    const app = buildApp({ id: 'az-a', enactor: a, pingRedis: async () => 'PONG', pingDns: async () => [], log: silentLogger(), adminToken: 't', registry: createRegistry('dns-enactor', false), events: lab.events['az-a']! });
    const fix = (on: boolean) => app.inject({ method: 'PUT', url: '/lab/fix', headers: { authorization: 'Bearer t' }, payload: { on } });
    lab.plans.publish();
    assert.deepEqual(await settle(lab.clock, a.cycle()), { [ENDPOINT]: 'applied' });
    assert.deepEqual((await fix(true)).json(), { fix: 'enactor', on: true });
    assert.equal((await app.inject({ method: 'GET', url: '/lab/state' })).json().state.fix, true);
    lab.plans.publish([]);
    assert.deepEqual(await settle(lab.clock, a.cycle()), { [ENDPOINT]: 'refused' });
    await fix(false);
    lab.plans.publish([]);
    assert.deepEqual(await settle(lab.clock, a.cycle()), { [ENDPOINT]: 'applied' }, 'without the fix the empty plan goes through');
    await app.close();
  });
});
