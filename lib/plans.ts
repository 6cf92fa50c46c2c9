// DNS plans: what the planner produces and the enactors apply. A plan names, per endpoint, the load
// balancer addresses and weights; generations only grow. Plans live in Redis:
//   dns:plan:generation  counter          dns:plan:<G>  plan JSON       channel dns:plans  new G
// In the DNS zone a plan becomes a record tree per endpoint (see treeName) that the endpoint's alias
// points at, plus the per-endpoint lock and rollback records the enactors use.
import type { Redis } from 'ioredis';

export interface PlanTarget {
  id: string;
  address: string;
  weight: number;
}

export interface Plan {
  generation: number;
  createdAt: number;
  reason: string;
  endpoints: Record<string, PlanTarget[]>;
}

const GEN_KEY = 'dns:plan:generation';
const planKey = (g: number) => `dns:plan:${g}`;
export const PLAN_CHANNEL = 'dns:plans';

export class PlanStore {
  constructor(private readonly redis: Redis) {}

  /** Stores a new plan under the next generation and announces it. Old plans beyond `keep` are trimmed. */
  async publish(endpoints: Plan['endpoints'], reason: string, now: number, keep = 1000): Promise<Plan> {
    const generation = await this.redis.incr(GEN_KEY);
    const plan: Plan = { generation, createdAt: now, reason, endpoints };
    const multi = this.redis.multi().set(planKey(generation), JSON.stringify(plan));
    if (generation > keep) multi.del(planKey(generation - keep));
    await multi.exec();
    await this.redis.publish(PLAN_CHANNEL, String(generation));
    return plan;
  }

  async latestGeneration(): Promise<number> {
    return Number((await this.redis.get(GEN_KEY)) ?? 0);
  }

  async get(generation: number): Promise<Plan | null> {
    const raw = await this.redis.get(planKey(generation));
    return raw ? (JSON.parse(raw) as Plan) : null;
  }

  /** The generation last applied to an endpoint, as the enactors record it (0 when none). */
  async appliedGeneration(endpoint: string): Promise<number> {
    return Number((await this.redis.get(`dns:applied:${endpoint}`)) ?? 0);
  }

  async recordApplied(endpoint: string, generation: number): Promise<void> {
    await this.redis.set(`dns:applied:${endpoint}`, String(generation));
  }

  /** The newest plan still stored, or null before the planner's first plan. */
  async latest(): Promise<Plan | null> {
    for (let g = await this.latestGeneration(); g > 0; g--) {
      const plan = await this.get(g);
      if (plan) return plan;
    }
    return null;
  }
}

// Names in the zone for one endpoint, e.g. for kv.us-east-1.lab.internal:
//   kv.us-east-1.lab.internal                    ALIAS -> the active tree
//   _rollback.kv.us-east-1.lab.internal          ALIAS -> the previously active tree
//   _lock.kv.us-east-1.lab.internal              TXT   "holder=az-a;expires=<ms>"
//   g000042.plan.kv.us-east-1.lab.internal       TXT "generation=42" + weighted A set per target
export const treeName = (endpoint: string, generation: number) =>
  `g${String(generation).padStart(6, '0')}.plan.${endpoint}`;
export const lockName = (endpoint: string) => `_lock.${endpoint}`;
export const rollbackName = (endpoint: string) => `_rollback.${endpoint}`;
export const plansSuffix = (endpoint: string) => `plan.${endpoint}`;

/** The generation a tree name belongs to, or null for any other name. */
export function treeGeneration(endpoint: string, name: string | undefined): number | null {
  if (!name) return null;
  const m = /^g(\d+)\.plan\.(.+)$/.exec(name);
  return m && m[2] === endpoint ? Number(m[1]) : null;
}
