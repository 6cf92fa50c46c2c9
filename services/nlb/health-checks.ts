// The NLB health-check subsystem, one for the whole load balancer (as at AWS: a separate fleet that checks
// every node and every target; here it runs in the node CHECKER_NODE and the other nodes follow its view).
//
//   every CHECK_INTERVAL_MS, one round:
//     targets from the launcher ──► new ones in service AT ONCE (before their network config arrived)
//     every state change leaves work behind (CHECK_COST_PER_CHANGE_MS each), which the subsystem works
//       off as time passes; the checks that are due queue behind the work left, the nodes' checks last
//       (a node's health includes its targets'), and a check that waited past CHECK_TIMEOUT_MS fails unsent
//     check every target (GET /healthz) and every node ──► FAIL_THRESHOLD fails: out of service,
//       PASS_THRESHOLD passes: back in service
//     app endpoint DNS: weight per node = its AZ's healthy targets; a node that fails its checks, or whose
//       AZ's healthy share fell under AZ_FAILOVER_THRESHOLD, is removed (automatic AZ DNS failover)
//
// The latent defect is in the shape, not in a line: targets brought into service before their network
// state propagated alternate fail/pass, every flip is a state change, state changes slow the next round,
// and slow rounds fail healthy targets' and nodes' checks, which makes more state changes. With `fix`
// (velocity control, Amazon's second remediation, velocity.ts) capacity removed from service and from DNS
// comes out of a budget of MAX_REMOVE_FRACTION refilled over VELOCITY_WINDOW_MS: never more than that in
// one round, and flapping cannot pull capacity out faster than the window allows. Capacity is what passed
// its checks: a new target that has failed every check since it was brought into service leaves at once,
// as without the fix (keeping it would send customers to an instance whose network state has not
// arrived), and spends nothing. An operator can turn
// automatic failover off: then no node leaves DNS and no target leaves service, whatever their checks say,
// and those that pass come back.
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import { Loop } from '../../lib/loop.js';
import type { AppEndpoint, NodeWeight } from './app-endpoint.js';
import type { Peer, Prober } from './probes.js';
import type { Target, TargetSource, TargetView } from './targets.js';
import { VelocityBudget } from './velocity.js';

export interface HealthCheckOptions {
  intervalMs: number;
  timeoutMs: number;
  failThreshold: number;
  passThreshold: number;
  costPerChangeMs: number;
  /** A node whose AZ has a smaller share of healthy targets than this is removed from DNS. */
  azFailoverThreshold: number;
  fix: boolean;
  maxRemoveFraction: number;
  /** With the fix: DNS weight removed by failover refills its budget over this long (0: every round). */
  velocityWindowMs?: number;
  nodes: Peer[];
}

export interface TargetHealth {
  target: Target;
  inService: boolean;
  fails: number;
  passes: number;
  /** In-service flips so far; every flip after the first is a flap. */
  flips: number;
  /** It passed PASS_THRESHOLD checks in a row once: capacity the NLB had, not just a target it was told of. */
  proven: boolean;
  last: 'pass' | 'fail' | 'late' | null;
}

export interface NodeHealth {
  peer: Peer;
  address: string | null;
  healthy: boolean;
  fails: number;
  passes: number;
  last: 'pass' | 'fail' | 'late' | null;
}

export interface RoundReport {
  round: number;
  startedAt: number;
  durationMs: number;
  /** Time spent on the previous round's state changes before the checks could go out. */
  backlogMs: number;
  checks: number;
  /** Checks that waited in the queue past their timeout and failed unsent. */
  lateChecks: number;
  targetsRemoved: number;
  targetsReturned: number;
  /** Removals the velocity control held back this round. */
  removalsDeferred: number;
  /** Capacity at the start of the round: in-service targets that have passed their checks. */
  capacityBefore: number;
  /** Capacity taken out of service this round (targetsRemoved less the targets that never passed a check). */
  capacityRemoved: number;
  /** Total weight published in the app endpoint at the start of the round, and what the round took off. */
  dnsWeightBefore: number;
  dnsWeightRemoved: number;
  nodesRemovedFromDns: string[];
  nodesReturnedToDns: string[];
  stateChanges: number;
  /** The larger share this round removed: of the capacity in service, or of the DNS weight. What velocity control caps. */
  removedShare: number;
}

const HISTORY = 30;

export class HealthChecker implements TargetView {
  private readonly targets = new Map<string, TargetHealth>();
  private readonly nodes: NodeHealth[];
  private readonly loop: Loop;
  /** With the fix: what the velocity control still lets this NLB remove, targets from service and weight from DNS. */
  private readonly velocity = { targets: new VelocityBudget(), dns: new VelocityBudget() };
  /** State-change work not yet done, and when it was last counted. */
  private workMs = 0;
  private workAt: number | null = null;
  private roundNo = 0;
  private failoverOn = true;
  readonly history: RoundReport[] = [];
  readonly totals = { rounds: 0, stateChanges: 0, targetsRemoved: 0, targetsReturned: 0, flaps: 0, lateChecks: 0, dnsRemovals: 0, dnsReturns: 0, dnsErrors: 0, maxRemovedShare: 0 };
  lastTargetRefresh: number | null = null;
  lastError: string | null = null;

  constructor(
    /** Read at every round: new times (a new lab clock) apply from the next round. */
    readonly opts: HealthCheckOptions,
    private readonly source: TargetSource,
    private readonly prober: Prober,
    private readonly endpoint: AppEndpoint,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly log: Logger,
  ) {
    this.nodes = opts.nodes.map((peer) => ({ peer, address: null, healthy: true, fails: 0, passes: 0, last: null }));
    this.loop = new Loop({
      clock,
      intervalMs: () => this.opts.intervalMs,
      from: 'start',
      onError: (err) => {
        this.lastError = (err as Error).message;
        this.log.warn({ err: this.lastError }, 'health-check round failed');
      },
    });
  }

  /** One round: refresh targets, run the checks that are due, apply thresholds, publish DNS. */
  async round(): Promise<RoundReport> {
    const startedAt = this.clock.now();
    const round = ++this.roundNo;
    await this.refreshTargets();
    const targets = [...this.targets.values()];
    const capacityBefore = targets.filter((t) => t.inService && t.proven).length;
    const dnsWeightBefore = this.endpoint.totalWeight;

    // The previous round's state changes are worked off first; the due checks wait behind them, spread
    // evenly, in an order that moves every round.
    this.workMs = Math.max(0, this.workMs - (startedAt - (this.workAt ?? startedAt)));
    this.workAt = startedAt;
    const backlogMs = this.workMs;
    const checks: Check[] = [...rotate(targets.map((t): Check => ({ target: t })), round), ...this.nodes.map((n): Check => ({ node: n }))];
    await Promise.all(checks.map((check, position) => this.runCheck(check, (backlogMs * (position + 1)) / checks.length)));
    const lateChecks = checks.filter((c) => ('target' in c ? c.target : c.node).last === 'late').length;

    const targetChanges = this.applyTargetResults(targets, capacityBefore);
    const nodeFlips = this.applyNodeResults();
    const dns = await this.publishDns();

    const stateChanges = targetChanges.removed + targetChanges.returned + nodeFlips + dns.removed.length + dns.returned.length;
    this.workMs += stateChanges * this.opts.costPerChangeMs;
    const share = (removed: number, before: number) => (before > 0 ? removed / before : 0);
    const report: RoundReport = {
      round,
      startedAt,
      durationMs: this.clock.now() - startedAt,
      backlogMs,
      checks: checks.length,
      lateChecks,
      targetsRemoved: targetChanges.removed,
      targetsReturned: targetChanges.returned,
      removalsDeferred: targetChanges.deferred,
      capacityBefore,
      capacityRemoved: targetChanges.capacityRemoved,
      dnsWeightBefore,
      dnsWeightRemoved: dns.weightRemoved,
      nodesRemovedFromDns: dns.removed,
      nodesReturnedToDns: dns.returned,
      stateChanges,
      removedShare: Math.max(share(targetChanges.capacityRemoved, capacityBefore), share(dns.weightRemoved, dnsWeightBefore)),
    };
    this.history.push(report);
    if (this.history.length > HISTORY) this.history.shift();
    this.totals.rounds++;
    this.totals.stateChanges += stateChanges;
    this.totals.lateChecks += lateChecks;
    this.totals.maxRemovedShare = Math.max(this.totals.maxRemovedShare, report.removedShare);
    return report;
  }

  /** Rounds every CHECK_INTERVAL_MS; a round that overran starts the next one at once. */
  run(): Promise<void> {
    return this.loop.run(() => this.round());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A new interval (a new lab clock) applies to the wait for the next round under way. */
  reschedule(): void {
    this.loop.reschedule();
  }

  /** The operator's switch for automatic AZ DNS failover (at AWS: off at 09:36, on again at 14:09). */
  setFailover(enabled: boolean): void {
    if (enabled === this.failoverOn) return;
    this.failoverOn = enabled;
    this.events.emit('failover', { enabled });
    this.log.warn({ enabled }, 'automatic health-check failover switched by an operator');
  }

  get failoverEnabled(): boolean {
    return this.failoverOn;
  }

  inService(az?: string): Target[] {
    return [...this.targets.values()].filter((t) => t.inService && (!az || t.target.az === az)).map((t) => t.target);
  }

  /** Targets and in-service targets per AZ. */
  capacity(): Record<string, { total: number; inService: number }> {
    const byAz: Record<string, { total: number; inService: number }> = {};
    for (const n of this.nodes) byAz[n.peer.id] = { total: 0, inService: 0 };
    for (const t of this.targets.values()) {
      const az = (byAz[t.target.az] ??= { total: 0, inService: 0 });
      az.total++;
      if (t.inService) az.inService++;
    }
    return byAz;
  }

  targetTable(): TargetHealth[] {
    return [...this.targets.values()];
  }

  nodeTable(): NodeHealth[] {
    return this.nodes;
  }

  private async refreshTargets(): Promise<void> {
    let list: Target[];
    try {
      list = await this.source.list();
    } catch (err) {
      // The checks go on with the targets known so far.
      this.lastError = `targets: ${(err as Error).message}`;
      this.log.warn({ err: (err as Error).message }, 'cannot refresh targets');
      return;
    }
    this.lastTargetRefresh = this.clock.now();
    const seen = new Set<string>();
    for (const target of list) {
      seen.add(target.id);
      const known = this.targets.get(target.id);
      if (known) {
        known.target = target;
        continue;
      }
      // Brought into service right away, before a single check: what the incident's NLB did.
      this.targets.set(target.id, { target, inService: true, fails: 0, passes: 0, flips: 0, proven: false, last: null });
      this.events.emit('target-registered', { id: target.id, az: target.az, host: target.host, port: target.port });
    }
    for (const [id, t] of this.targets) {
      if (seen.has(id)) continue;
      this.targets.delete(id);
      this.events.emit('target-deregistered', { id, az: t.target.az });
    }
  }

  private async runCheck(check: Check, delay: number): Promise<void> {
    if (delay > 0) await this.clock.sleep(delay, this.loop.signal);
    // The check's timeout runs from when it was due, so time spent waiting in the queue counts.
    const budget = this.opts.timeoutMs - delay;
    if ('target' in check) {
      const t = check.target;
      record(t, budget <= 0 ? 'late' : (await this.prober.target(t.target, budget)) ? 'pass' : 'fail');
      if (t.passes >= this.opts.passThreshold) t.proven = true;
      return;
    }
    const n = check.node;
    if (budget <= 0) return record(n, 'late');
    const info = await this.prober.node(n.peer, budget);
    if (info) n.address = info.address;
    record(n, info ? 'pass' : 'fail');
  }

  private applyTargetResults(targets: TargetHealth[], capacityBefore: number): { removed: number; capacityRemoved: number; returned: number; deferred: number } {
    const returning = targets.filter((t) => !t.inService && t.passes >= this.opts.passThreshold);
    for (const t of returning) this.flip(t, true);
    const failing = targets
      .filter((t) => t.inService && t.fails >= this.opts.failThreshold)
      .sort((a, b) => b.fails - a.fails || a.target.id.localeCompare(b.target.id));
    // With automatic failover off nothing is taken out of service either: "allowing all available healthy
    // NLB nodes and backend targets to be brought back into service" (Amazon); targets that pass return.
    if (!this.failoverOn) return { removed: 0, capacityRemoved: 0, returned: returning.length, deferred: failing.length };
    // Velocity control limits the capacity the NLB removes: targets that have passed their checks. A
    // target brought into service before its first check that has never passed one is not capacity the
    // NLB loses; it leaves service as it would without the fix, and pays nothing from the budget.
    const capacity = failing.filter((t) => t.proven);
    const allowance = this.opts.fix
      ? this.velocity.targets.allowance(capacityBefore, this.opts.maxRemoveFraction, this.opts.velocityWindowMs ?? 0, this.clock.now())
      : capacity.length;
    const removingCapacity = capacity.slice(0, allowance);
    const removing = [...failing.filter((t) => !t.proven), ...removingCapacity];
    this.velocity.targets.spend(removingCapacity.length);
    for (const t of removing) this.flip(t, false);
    return { removed: removing.length, capacityRemoved: removingCapacity.length, returned: returning.length, deferred: failing.length - removing.length };
  }

  private flip(t: TargetHealth, inService: boolean): void {
    t.inService = inService;
    t.flips++;
    const flap = t.flips > 1;
    if (flap) this.totals.flaps++;
    if (inService) this.totals.targetsReturned++;
    else this.totals.targetsRemoved++;
    this.events.emit(inService ? 'target-returned' : 'target-removed', { id: t.target.id, az: t.target.az, flap, flips: t.flips, last: t.last });
  }

  private applyNodeResults(): number {
    let flips = 0;
    for (const n of this.nodes) {
      const flipTo = n.healthy ? (n.fails >= this.opts.failThreshold ? false : null) : n.passes >= this.opts.passThreshold ? true : null;
      if (flipTo === null) continue;
      n.healthy = flipTo;
      flips++;
      this.events.emit(flipTo ? 'node-healthy' : 'node-unhealthy', { node: n.peer.id, last: n.last });
    }
    return flips;
  }

  /** Weight per node = healthy targets of its AZ; 0 (out of DNS) on failed node checks or AZ failover. */
  private wantedWeight(n: NodeHealth, capacity: Record<string, { total: number; inService: number }>): number {
    const az = capacity[n.peer.id] ?? { total: 0, inService: 0 };
    if (!this.failoverOn) return Math.max(1, az.inService);
    if (!n.healthy || az.total === 0) return 0;
    return az.inService / az.total < this.opts.azFailoverThreshold ? 0 : az.inService;
  }

  private async publishDns(): Promise<{ removed: string[]; returned: string[]; weightRemoved: number }> {
    const capacity = this.capacity();
    const wanted: NodeWeight[] = this.nodes.map((n) => ({ id: n.peer.id, address: n.address, weight: this.wantedWeight(n, capacity) }));
    try {
      const velocity = this.opts.fix
        ? { allowance: this.velocity.dns.allowance(this.endpoint.totalWeight, this.opts.maxRemoveFraction, this.opts.velocityWindowMs ?? 0, this.clock.now()) }
        : null;
      const result = await this.endpoint.publish(wanted, velocity);
      this.velocity.dns.spend(result.weightRemoved);
      for (const node of result.removed) this.events.emit('node-removed-from-dns', { node, capacity: capacity[node], failover: this.failoverOn });
      for (const node of result.returned) this.events.emit('node-returned-to-dns', { node, capacity: capacity[node] });
      this.totals.dnsRemovals += result.removed.length;
      this.totals.dnsReturns += result.returned.length;
      return result;
    } catch (err) {
      this.totals.dnsErrors++;
      this.lastError = `dns: ${(err as Error).message}`;
      this.log.warn({ err: (err as Error).message }, 'cannot publish the app endpoint');
      return { removed: [], returned: [], weightRemoved: 0 };
    }
  }
}

type Check = { target: TargetHealth } | { node: NodeHealth };

function record(subject: { fails: number; passes: number; last: 'pass' | 'fail' | 'late' | null }, result: 'pass' | 'fail' | 'late'): void {
  subject.last = result;
  if (result === 'pass') {
    subject.passes++;
    subject.fails = 0;
  } else {
    subject.fails++;
    subject.passes = 0;
  }
}

function rotate<T>(items: T[], by: number): T[] {
  if (items.length === 0) return items;
  const offset = by % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}
