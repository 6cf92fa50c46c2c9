// The DNS Planner: probes the kv-store nodes, and writes a new plan generation to Redis whenever their
// capacity changes and at least every PLAN_INTERVAL_MS. It knows nothing about DNS records; applying
// plans is the enactors' job.
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import { Loop } from '../../lib/loop.js';
import type { Plan, PlanStore, PlanTarget } from '../../lib/plans.js';
import { sameTargets, targetsFrom, type NodeReport } from './capacity.js';

export type Probe = (id: string, url: string) => Promise<NodeReport>;

export interface PlannerOptions {
  endpoint: string;
  nodes: { id: string; url: string }[];
  planIntervalMs: number;
  probeIntervalMs: number;
  keep: number;
}

export class Planner {
  private lastTargets: PlanTarget[] | null = null;
  private lastPlanAt = -Infinity;
  lastPlan: Plan | null = null;
  reports: NodeReport[] = [];
  plansPublished = 0;
  probeRounds = 0;
  private readonly loop: Loop;

  constructor(
    private readonly opts: PlannerOptions,
    private readonly store: PlanStore,
    private readonly probe: Probe,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly log: Logger,
  ) {
    this.loop = new Loop({
      clock,
      intervalMs: () => Math.min(this.opts.probeIntervalMs, this.opts.planIntervalMs),
      onError: (err) => this.log.warn({ err: (err as Error).message }, 'planning round failed'),
    });
  }

  /** One probe round; publishes a plan when capacity changed or the interval elapsed. */
  async tick(): Promise<Plan | null> {
    this.reports = await Promise.all(
      this.opts.nodes.map((n) => this.probe(n.id, n.url).catch((): NodeReport => ({ id: n.id, ready: false }))),
    );
    this.probeRounds++;
    const targets = targetsFrom(this.reports);
    const changed = this.lastTargets === null || !sameTargets(targets, this.lastTargets);
    const due = this.clock.now() - this.lastPlanAt >= this.opts.planIntervalMs;
    if (!changed && !due) return null;
    return this.publish(changed ? 'capacity-change' : 'periodic', targets);
  }

  async publish(reason: string, targets = this.lastTargets ?? targetsFrom(this.reports)): Promise<Plan> {
    const plan = await this.store.publish({ [this.opts.endpoint]: targets }, reason, this.clock.now(), this.opts.keep);
    this.lastTargets = targets;
    this.lastPlanAt = this.clock.now();
    this.lastPlan = plan;
    this.plansPublished++;
    this.events.emit('plan-published', { generation: plan.generation, reason, targets: targets.length });
    if (reason !== 'periodic') this.log.info({ generation: plan.generation, reason, targets }, 'plan published');
    return plan;
  }

  run(): Promise<void> {
    return this.loop.run(() => this.tick());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
