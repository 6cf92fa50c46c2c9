import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../lib/clock.js';
import { ChangeRejected, type Change, type RecordSet } from '../../lib/dns-control.js';
import { LabError } from '../../lib/errors.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { Zone } from '../dns-server/zone.js';
import { AppEndpoint, type DnsApi } from './app-endpoint.js';
import { HealthChecker, type HealthCheckOptions, type RoundReport } from './health-checks.js';
import type { NodeInfo, Peer, Prober } from './probes.js';
import type { Target, TargetSource } from './targets.js';

const APP = 'app.us-east-1.lab.internal';
const AZS = ['az-a', 'az-b', 'az-c'];
const NODE_ADDRESS: Record<string, string> = { 'az-a': '10.1.0.10', 'az-b': '10.1.1.10', 'az-c': '10.1.2.10' };

/** Targets the launcher knows, and whether each one's listener answers at a given (virtual) time. */
class FakeFleet implements TargetSource, Prober {
  targets: Target[] = [];
  /** A target answers when this returns true; by default it always does. */
  listening = new Map<string, (now: number) => boolean>();
  deadNodes = new Set<string>();
  constructor(private readonly clock: ManualClock) {}

  add(az: string, count: number, listening?: (now: number) => boolean): Target[] {
    const added = Array.from({ length: count }, (_, i) => ({ id: `i-${az}-${this.targets.length + i}`, az, host: '10.2.0.1', port: 20000 + this.targets.length + i }));
    this.targets.push(...added);
    if (listening) for (const t of added) this.listening.set(t.id, listening);
    return added;
  }
  async list() {
    return this.targets;
  }
  async target(t: Target) {
    return this.listening.get(t.id)?.(this.clock.now()) ?? true;
  }
  async node(peer: Peer): Promise<NodeInfo | null> {
    return this.deadNodes.has(peer.id) ? null : { id: peer.id, address: NODE_ADDRESS[peer.id]! };
  }
}

/** The dns-server's real Zone behind the control API, with every batch kept. */
class RecordingDns implements DnsApi {
  readonly zone = new Zone({ origin: 'lab.internal', negativeTtl: 5 });
  readonly batches: Change[][] = [];
  async change(changes: Change[]) {
    try {
      const result = this.zone.apply(changes);
      this.batches.push(changes);
      return result;
    } catch (err) {
      if (err instanceof LabError) throw new ChangeRejected(err.statusCode, err.code, err.message);
      throw err;
    }
  }
  async records(query: { name?: string }): Promise<RecordSet[]> {
    return this.zone.list(query).map((r) => ({ ...r }) as RecordSet);
  }
  weights(): Record<string, number> {
    return Object.fromEntries(this.zone.list({ name: APP }).map((r) => [r.setId!, r.weight!]));
  }
}

function createLab(opts: Partial<HealthCheckOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const fleet = new FakeFleet(clock);
  const dns = new RecordingDns();
  const events = new EventLog(100000, () => clock.now());
  const options: HealthCheckOptions = {
    intervalMs: 1000,
    timeoutMs: 500,
    failThreshold: 2,
    passThreshold: 2,
    costPerChangeMs: 0,
    azFailoverThreshold: 0.5,
    fix: false,
    maxRemoveFraction: 0.34,
    nodes: AZS.map((id) => ({ id, url: `http://nlb-${id}:8005` })),
    ...opts,
  };
  const checker = new HealthChecker(options, fleet, fleet, new AppEndpoint(dns, APP, 2), clock, events, silentLogger());
  const rounds: RoundReport[] = [];
  /** Runs n rounds on the interval, as run() does, in virtual time. */
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const started = clock.now();
      rounds.push(await settle(clock, checker.round(), 5));
      await clock.advance(Math.max(0, options.intervalMs - (clock.now() - started)));
    }
    return rounds;
  };
  const eventsOf = (type: string) => events.since(0, 5000).events.filter((e) => e.type === type);
  return { clock, fleet, dns, checker, run, rounds, eventsOf, options };
}

describe('NLB health checks (virtual time, fake targets, real zone)', () => {
  it('brings a new target into service at once; its checks fail until its listener opens, so it is removed and returned (a flap)', async () => {
    const lab = createLab();
    lab.fleet.add('az-a', 3);
    const opensAt = lab.clock.now() + 3500;
    const [late] = lab.fleet.add('az-a', 1, (now) => now >= opensAt);
    await lab.run(1);
    assert.ok(lab.checker.inService('az-a').some((t) => t.id === late!.id), 'in service before its network state propagated');
    await lab.run(1);
    assert.equal(lab.checker.inService('az-a').some((t) => t.id === late!.id), false, 'removed after 2 failed checks');
    await lab.run(4);
    assert.ok(lab.checker.inService('az-a').some((t) => t.id === late!.id), 'returned after 2 passed checks');
    assert.deepEqual(lab.eventsOf('target-removed').map((e) => e.data.id), [late!.id]);
    assert.deepEqual(lab.eventsOf('target-returned').map((e) => [e.data.id, e.data.flap]), [[late!.id, true]]);
    assert.equal(lab.checker.totals.flaps, 1);
    assert.deepEqual(lab.rounds.map((r) => r.stateChanges > 0), [true, true, false, false, false, true], 'round 1 publishes DNS, 2 removes, 6 returns');
  });

  it('publishes one weighted record per node and removes a node from the app endpoint when most of its targets fail', async () => {
    const lab = createLab();
    for (const az of AZS) lab.fleet.add(az, 4);
    await lab.run(1);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 4, 'az-b': 4, 'az-c': 4 });
    assert.deepEqual(lab.dns.zone.list({ name: APP }).find((r) => r.setId === 'az-b')?.values, [NODE_ADDRESS['az-b']]);

    for (const t of lab.fleet.targets.filter((t) => t.az === 'az-b').slice(0, 3)) lab.fleet.listening.set(t.id, () => false);
    await lab.run(2);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 4, 'az-c': 4 }, 'az-b (1 of 4 healthy) failed over');
    assert.deepEqual(lab.dns.batches.at(-1), [{ action: 'DELETE', name: APP, type: 'A', ttl: 2, setId: 'az-b', weight: 4, values: [NODE_ADDRESS['az-b']] }]);
    assert.deepEqual(lab.eventsOf('node-removed-from-dns').map((e) => e.data.node), ['az-b']);

    // A node whose own checks fail leaves DNS too; it comes back once it passes again.
    lab.fleet.deadNodes.add('az-c');
    await lab.run(2);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 4 });
    lab.fleet.deadNodes.clear();
    for (const t of lab.fleet.targets) lab.fleet.listening.delete(t.id);
    await lab.run(3);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 4, 'az-b': 4, 'az-c': 4 });
    assert.deepEqual(lab.eventsOf('node-returned-to-dns').map((e) => e.data.node).sort(), ['az-a', 'az-b', 'az-b', 'az-c', 'az-c']);
  });

  it('slows down with the state changes it processes, and the slowness fails healthy targets (self-reinforcing)', async () => {
    const flapping = (now: number) => Math.floor(now / 1000) % 2 === 0;
    const outcome = async (costPerChangeMs: number) => {
      const lab = createLab({ costPerChangeMs, failThreshold: 1, passThreshold: 1, azFailoverThreshold: 0 });
      lab.fleet.add('az-a', 10, flapping);
      const healthy = new Set(lab.fleet.add('az-a', 20).map((t) => t.id));
      await lab.run(20);
      const healthyRemoved = lab.eventsOf('target-removed').filter((e) => healthy.has(String(e.data.id))).length;
      return { rounds: lab.rounds, healthyRemoved };
    };
    const free = await outcome(0);
    assert.equal(free.healthyRemoved, 0, 'without load, healthy targets stay in service');
    assert.ok(free.rounds.slice(2).every((r) => r.stateChanges === 10 && r.lateChecks === 0), 'the 10 flapping targets alone');

    // 10 flips a round at 150 ms each is more work than one interval drains: it piles up.
    const loaded = await outcome(150);
    assert.ok(loaded.healthyRemoved > 0, 'checks that waited behind the work failed healthy targets');
    const late = loaded.rounds.slice(5);
    assert.ok(Math.max(...late.map((r) => r.stateChanges)) > 10, 'more state changes than the flapping targets make');
    assert.ok(late.some((r) => r.lateChecks > 0));
    assert.equal(loaded.rounds[0]!.backlogMs, 0);
    for (let i = 1; i < loaded.rounds.length; i++) {
      const [prev, cur] = [loaded.rounds[i - 1]!, loaded.rounds[i]!];
      const left = Math.max(0, prev.backlogMs + prev.stateChanges * 150 - (cur.startedAt - prev.startedAt));
      assert.equal(cur.backlogMs, left, `round ${cur.round}: the work left is what came in minus the time that passed`);
    }
    assert.ok(Math.max(...late.map((r) => r.backlogMs)) > 1000, 'the work outgrew the interval');
  });

  it('without velocity control one round can remove all capacity; with it no round removes more than the cap', async () => {
    for (const fix of [false, true]) {
      const lab = createLab({ fix, maxRemoveFraction: 0.34 });
      for (const az of AZS) lab.fleet.add(az, 9);
      await lab.run(2);
      assert.deepEqual(lab.dns.weights(), { 'az-a': 9, 'az-b': 9, 'az-c': 9 });
      for (const t of lab.fleet.targets) lab.fleet.listening.set(t.id, () => false);
      await lab.run(12);
      const failing = lab.rounds.slice(2);
      if (!fix) {
        assert.equal(Math.max(...failing.map((r) => r.capacityRemoved)), 27, 'all 27 targets in one round');
        assert.ok(failing.some((r) => r.dnsWeightRemoved === 27 && r.nodesRemovedFromDns.length === 3), 'every node out of DNS at once');
        assert.deepEqual(lab.dns.weights(), {});
        continue;
      }
      for (const r of failing) {
        assert.ok(r.capacityRemoved <= Math.max(1, Math.floor(0.34 * r.capacityBefore)), `round ${r.round}: removed ${r.capacityRemoved} of ${r.capacityBefore}`);
        assert.ok(r.dnsWeightRemoved <= Math.max(1, Math.floor(0.34 * r.dnsWeightBefore)), `round ${r.round}: DNS weight ${r.dnsWeightRemoved} of ${r.dnsWeightBefore}`);
      }
      assert.ok(failing.some((r) => r.removalsDeferred > 0), 'removals were held back');
      assert.ok(failing.every((r) => r.capacityRemoved < 27));
      assert.ok(failing.filter((r) => r.capacityRemoved > 0).length >= 5, 'capacity drains over many rounds');
    }
  });

  it('with velocity control, targets that never passed a check leave service at once; the cap holds for capacity that passed', async () => {
    const lab = createLab({ fix: true, maxRemoveFraction: 0.34 });
    for (const az of AZS) lab.fleet.add(az, 9);
    await lab.run(2);
    // New instances brought into service before their network state propagated: never a passing check.
    const unconfigured = new Set(AZS.flatMap((az) => lab.fleet.add(az, 4, () => false)).map((t) => t.id));
    await lab.run(2);
    const removed = lab.rounds.at(-1)!;
    assert.equal(removed.targetsRemoved, 12, 'all 12 leave together, as without the fix');
    assert.equal(removed.capacityRemoved, 0, 'none of them was capacity');
    assert.equal(removed.capacityBefore, 27);
    assert.equal(removed.removalsDeferred, 0);
    assert.deepEqual(lab.checker.inService().filter((t) => unconfigured.has(t.id)), []);

    // The budget is untouched: capacity that passed still leaves at the capped pace only.
    for (const t of lab.fleet.targets.filter((t) => !unconfigured.has(t.id))) lab.fleet.listening.set(t.id, () => false);
    await lab.run(3);
    const capped = lab.rounds.slice(-2);
    assert.equal(capped[0]!.capacityRemoved, 9, 'a full budget: 34 % of 27');
    assert.ok(capped.every((r) => r.capacityRemoved <= Math.max(1, Math.floor(0.34 * r.capacityBefore))), JSON.stringify(capped.map((r) => [r.capacityRemoved, r.capacityBefore])));
    assert.ok(capped[1]!.removalsDeferred > 0, 'the rest is held back');
    assert.ok(lab.checker.totals.maxRemovedShare <= 0.34, `largest share removed: ${lab.checker.totals.maxRemovedShare}`);
  });

  it('with automatic failover disabled no node leaves DNS and no target leaves service; re-enabled, failover resumes', async () => {
    const lab = createLab();
    for (const az of AZS) lab.fleet.add(az, 4);
    await lab.run(1);
    lab.checker.setFailover(false);
    for (const t of lab.fleet.targets.filter((t) => t.az === 'az-b')) lab.fleet.listening.set(t.id, () => false);
    lab.fleet.deadNodes.add('az-c');
    await lab.run(4);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 4, 'az-b': 4, 'az-c': 4 }, 'every node keeps its weight: its targets stay in service');
    assert.ok(lab.dns.batches.flat().every((c) => c.action !== 'DELETE'), 'no record deleted');
    assert.equal(lab.checker.inService('az-b').length, 4, 'failing targets stay in service');
    assert.equal(lab.checker.totals.targetsRemoved, 0);
    lab.checker.setFailover(true);
    await lab.run(2);
    assert.equal(lab.checker.inService('az-b').length, 0, 'on again: the failing targets leave service');
    assert.deepEqual(lab.dns.weights(), { 'az-a': 4 });
    assert.deepEqual(lab.eventsOf('failover').map((e) => e.data.enabled), [false, true]);
  });

  it('forgets targets the launcher no longer lists, and re-reads DNS after a rejected batch', async () => {
    const lab = createLab();
    lab.fleet.add('az-a', 2);
    await lab.run(1);
    lab.fleet.targets.pop();
    await lab.run(1);
    assert.equal(lab.checker.inService().length, 1);
    assert.equal(lab.eventsOf('target-deregistered').length, 1);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 1 });

    // Someone else rewrote the record: the DELETE made from our copy no longer matches, is rejected, and
    // the next round reads the records again and removes the node.
    await lab.dns.change([{ action: 'UPSERT', name: APP, type: 'A', ttl: 30, setId: 'az-a', weight: 7, values: ['10.9.9.9'] }]);
    lab.fleet.deadNodes.add('az-a');
    await lab.run(2);
    assert.equal(lab.checker.totals.dnsErrors, 1);
    assert.deepEqual(lab.dns.weights(), { 'az-a': 7 });
    await lab.run(1);
    assert.deepEqual(lab.dns.weights(), {});
  });
});
