// Operator interventions, the ones Amazon's engineers made by hand. `dns`: restore every endpoint from the
// newest plan, overriding the enactors' lock, and point the rollback record at a tree that exists, so the
// enactors can make progress again.
import type { Change, DnsApi } from '../../lib/dns-control.js';
import { lockName, rollbackName, treeName, type Plan } from '../../lib/plans.js';

export interface RepairDeps {
  plans: { latest(): Promise<Plan | null>; recordApplied(endpoint: string, generation: number): Promise<void> };
  dns: Pick<DnsApi, 'change'>;
}

export interface RepairResult {
  action: string;
  generation: number;
  endpoints: { endpoint: string; addresses: number }[];
}

// Only UPSERTs: an operator overrides whatever the enactors hold. A DELETE of the lock "as read" would
// race the stuck enactors, which swap it many times a second (CI caught exactly that).
export async function repairDns({ plans, dns }: RepairDeps, ttl = 5): Promise<RepairResult> {
  const plan = await plans.latest();
  if (!plan) throw new Error('no plan in Redis: is the dns-planner running?');
  const result: RepairResult = { action: 'dns', generation: plan.generation, endpoints: [] };
  for (const [endpoint, targets] of Object.entries(plan.endpoints)) {
    if (targets.length === 0) throw new Error(`the newest plan (${plan.generation}) has no addresses for ${endpoint}: nothing to restore`);
    const tree = treeName(endpoint, plan.generation);
    const changes: Change[] = [
      { action: 'UPSERT', name: lockName(endpoint), type: 'TXT', ttl: 0, values: ['holder=;expires=0'] },
      { action: 'UPSERT', name: tree, type: 'TXT', ttl, values: [`generation=${plan.generation};by=operator`] },
      ...targets.map((t): Change => ({ action: 'UPSERT', name: tree, type: 'A', ttl, setId: t.id, weight: t.weight, values: [t.address] })),
      { action: 'UPSERT', name: endpoint, type: 'ALIAS', ttl, target: tree },
      { action: 'UPSERT', name: rollbackName(endpoint), type: 'ALIAS', ttl, target: tree },
    ];
    await dns.change(changes, `operator repair from plan ${plan.generation}`);
    await plans.recordApplied(endpoint, plan.generation);
    result.endpoints.push({ endpoint, addresses: targets.length });
  }
  return result;
}
