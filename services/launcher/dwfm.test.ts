import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { Dwfm, type DwfmOptions } from './dwfm.js';
import { leaseKey } from './lease.js';
import { FakeDroplets, FakeKv } from './test-support.js';

const AZS = ['az-a', 'az-b', 'az-c'];

// kv: 40 ms + 2 ms per request in flight; the droplet state check takes 200 ms. With 16 workers and a
// 2 s deadline about 90 re-establishments fit in one deadline.
function createDwfm(dropletsPerAz: number, over: Partial<DwfmOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const kv = new FakeKv(clock, 40, 2);
  const droplets = new FakeDroplets(clock, 200);
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const events = new EventLog(100_000, () => clock.now());
  const dwfm = new Dwfm(
    {
      azs: AZS, dropletsPerAz, leaseTtlMs: 20_000, leaseRenewMs: 5_000, scanMs: 500,
      workQueueLimit: 1000, workConcurrency: 16, itemDeadlineMs: 2_000, recoveryBatch: 32, goodputWindowMs: 5_000, requeueJitterMs: 2_000, random,
      ...over,
    },
    kv, droplets, clock, events,
  );
  void dwfm.run();
  return { clock, kv, droplets, events, dwfm };
}

/** Advances virtual time in scan-sized steps (so the loops interleave as they would in real time). */
async function pass(clock: ManualClock, ms: number, step = 100) {
  for (let t = 0; t < ms; t += step) await clock.advance(step);
}

/** Leases completed per second over the next `ms` of virtual time. */
async function goodputOver(lab: ReturnType<typeof createDwfm>, ms: number) {
  const before = lab.dwfm.stats.established + lab.dwfm.stats.renewed;
  await pass(lab.clock, ms);
  return (lab.dwfm.stats.established + lab.dwfm.stats.renewed - before) / (ms / 1000);
}

describe('DWFM leases (virtual time, fake kv)', () => {
  it('establishes a lease for every droplet and keeps them by renewing', async () => {
    const lab = createDwfm(20);
    await pass(lab.clock, 10_000);
    assert.equal(lab.dwfm.leasedCount(), 60);
    const record = lab.kv.items.get(leaseKey('az-b-d007'));
    assert.equal(record?.value.holder, 'dwfm');
    assert.equal(record?.value.epoch, 1);
    await pass(lab.clock, 60_000);
    assert.equal(lab.dwfm.leasedCount(), 60, 'renewals keep every lease past several TTLs');
    assert.equal(lab.dwfm.stats.lost, 0);
    assert.equal(lab.kv.items.get(leaseKey('az-b-d007'))?.value.epoch, 1, 'renewed, never re-established');
    assert.ok(lab.dwfm.stats.renewed >= 60 * 10);
    lab.dwfm.stop();
  });

  it('loses every lease when the kv endpoint does not resolve, one TTL later', async () => {
    const lab = createDwfm(20);
    await pass(lab.clock, 10_000);
    lab.kv.dnsDown = true;
    await pass(lab.clock, 10_000);
    assert.equal(lab.dwfm.leasedCount(), 60, 'leases outlive a short outage');
    await pass(lab.clock, 12_000);
    assert.equal(lab.dwfm.leasedCount(), 0);
    assert.equal(lab.events.since(0, 100_000).events.filter((e) => e.type === 'lease-lost').length, 60);
    assert.match(lab.dwfm.lastError ?? '', /ENODATA/);
    lab.dwfm.stop();
  });
});

// The launcher's settings at 1h=10s (lib/timing.ts), 300 droplets, 32 workers; kv 20 ms, a state check 0.2 s.
const fast = { leaseTtlMs: 15_000, leaseRenewMs: 10_000, scanMs: 200, itemDeadlineMs: 1_200, requeueJitterMs: 1_000, goodputWindowMs: 1_000 };
/** A lab at rest at 1h=10s, every lease held. */
const atRest = async (kvPerInFlightMs = 0) => {
  const lab = createDwfm(100, { ...fast, workConcurrency: 32, recoveryBatch: 12, renewJitter: 0.3 });
  lab.kv.baseMs = 20;
  lab.kv.perInFlightMs = kvPerInFlightMs;
  lab.droplets.checkMs = 200;
  await pass(lab.clock, 30_000);
  assert.equal(lab.dwfm.leasedCount(), 300, 'at rest at 1h=10s');
  return lab;
};

describe('a stall at rest', () => {
  // A busy machine: for a few seconds every kv request takes longer than an item's deadline, so every
  // renewal in flight or coming due times out, and the kv store's latency grows with the requests in flight,
  // abandoned ones too. Requeued at once, the renewals kept timing out after a 5 s stall until the leases
  // lapsed, and DWFM collapsed with nothing wrong in the region.
  for (const stallMs of [3_000, 5_000]) {
    it(`a ${stallMs / 1000} s stall of the kv store: renewals that missed their deadline wait, and DWFM is back at rest`, async () => {
      const lab = await atRest(2);
      lab.kv.baseMs = 1_500;
      await pass(lab.clock, stallMs);
      lab.kv.baseMs = 20;
      const timeouts = lab.dwfm.queue.stats.timeouts;
      assert.ok(timeouts > 20, `the stall timed renewals out: ${timeouts}`);
      await pass(lab.clock, 60_000, 200);
      const snap = lab.dwfm.snapshot();
      // A lease with less life left than the stall may lapse; the few that do are established again.
      assert.equal(lab.dwfm.leasedCount(), 300, `leased after the stall: ${JSON.stringify(lab.dwfm.stats)} ${JSON.stringify(snap.queue)}`);
      assert.ok(snap.queue.depth < 50 && snap.queue.goodput > 20, `the queue drained: ${JSON.stringify(snap.queue)}`);
      lab.dwfm.stop();
    });
  }
});

describe('a new lab clock', () => {
  it('slowed from 1h=10s to 1h=60s at rest: every lease kept, none re-established', async () => {
    const lab = await atRest();
    const epochs = lab.dwfm.stats.established;
    assert.equal(lab.dwfm.stats.lost, 0, `lost at 1h=10s: ${JSON.stringify(lab.dwfm.snapshot().queue)}`);
    // 1h=60s: every time six times longer, the kv store at its 60 ms ceiling.
    lab.dwfm.retime({ leaseTtlMs: 90_000, leaseRenewMs: 60_000, scanMs: 1_200, itemDeadlineMs: 7_200, requeueJitterMs: 6_000, goodputWindowMs: 6_000 });
    lab.kv.baseMs = 60;
    lab.droplets.checkMs = 1_200;
    await pass(lab.clock, 300_000, 200);
    assert.equal(lab.dwfm.stats.lost, 0, `leases lost after the new clock: ${JSON.stringify(lab.dwfm.stats)} ${JSON.stringify(lab.dwfm.snapshot().queue)}`);
    assert.equal(lab.dwfm.leasedCount(), 300);
    assert.equal(lab.dwfm.stats.established, epochs, 'renewed, never re-established');
    assert.ok(lab.dwfm.stats.renewed >= 300 * 4, 'renewals went on at the new pace');
    lab.dwfm.stop();
  });

  it('paused (1h=1h) for a minute and resumed at 1h=10s: every lease kept, renewals at once', async () => {
    const lab = await atRest();
    // 1h=1h: a scan every 72 s; the scan under way then waits that long.
    lab.dwfm.retime({ leaseTtlMs: 5_400_000, leaseRenewMs: 3_600_000, scanMs: 72_000, itemDeadlineMs: 432_000, requeueJitterMs: 360_000, goodputWindowMs: 360_000 });
    await pass(lab.clock, 60_000, 200);
    const renewed = lab.dwfm.stats.renewed;
    lab.dwfm.retime(fast);
    await pass(lab.clock, 2_000, 100);
    assert.ok(lab.dwfm.stats.renewed > renewed, 'the scan after the resume came within 2 s, not at the end of the 72 s wait');
    await pass(lab.clock, 30_000, 200);
    assert.equal(lab.dwfm.stats.lost, 0, `leases lost after the resume: ${JSON.stringify(lab.dwfm.stats)}`);
    assert.equal(lab.dwfm.leasedCount(), 300);
    lab.dwfm.stop();
  });
});

describe('congestive collapse after a kv outage', () => {
  /**
   * All leases lapse while DNS is empty; then kv is healthy again. Renewals every 15 s: each one is three
   * steps (read, state check, write) of about 0.3 s, so 300 leases keep about 6 of the 16 workers busy.
   */
  async function afterOutage(dropletsPerAz: number) {
    const lab = createDwfm(dropletsPerAz, { leaseRenewMs: 15_000 });
    await pass(lab.clock, 15_000);
    assert.equal(lab.dwfm.leasedCount(), dropletsPerAz * 3);
    lab.kv.dnsDown = true;
    await pass(lab.clock, 30_000);
    assert.equal(lab.dwfm.leasedCount(), 0);
    lab.kv.dnsDown = false;
    return lab;
  }

  it('a large backlog: goodput stays near zero with kv healthy, until restart-dwfm', async () => {
    const lab = await afterOutage(100);
    await pass(lab.clock, 10_000); // let the backlog form
    const collapsed = await goodputOver(lab, 20_000);
    const snap = lab.dwfm.snapshot();
    assert.ok(collapsed < 2, `goodput during the collapse: ${collapsed}/s`);
    assert.ok(lab.dwfm.leasedCount() < 10, `leased during the collapse: ${lab.dwfm.leasedCount()}`);
    assert.ok(snap.queue.depth > 200, `backlog ${snap.queue.depth}`);
    assert.ok(snap.queue.wastedSteps > 500, `steps wasted: ${snap.queue.wastedSteps}`);
    assert.ok(snap.queue.requeues > 500, `requeues: ${snap.queue.requeues}`);
    assert.equal(lab.kv.dnsDown, false);

    lab.dwfm.restart();
    await pass(lab.clock, 20_000);
    const recovered = await goodputOver(lab, 10_000);
    assert.equal(lab.dwfm.leasedCount(), 300, 'every droplet leased again');
    assert.equal(lab.dwfm.recovering, false);
    assert.ok(recovered > 15, `goodput after restart: ${recovered}/s (renewals of 300 leases every 15 s)`);
    console.log(`collapse: ${collapsed}/s with ${snap.queue.depth} items admitted; after restart-dwfm: ${recovered}/s`);
    assert.ok(lab.events.since(0, 100_000).events.some((e) => e.type === 'all-leased'));
    lab.dwfm.stop();
  });

  it('a small backlog after the same outage recovers by itself', async () => {
    const lab = await afterOutage(15);
    await pass(lab.clock, 10_000);
    assert.equal(lab.dwfm.leasedCount(), 45);
    assert.equal(lab.dwfm.snapshot().queue.timeouts, 0);
    lab.dwfm.stop();
  });
});
