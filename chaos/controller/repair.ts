// Operator interventions, the ones Amazon's engineers made by hand. `dns`: restore every endpoint from the
// newest plan, overriding the enactors' lock, and point the rollback record at a tree that exists, so the
// enactors can make progress again.
import type { Change, DnsControl } from '../../lib/dns-control.js';
import { lockName, rollbackName, treeName, type PlanStore } from '../../lib/plans.js';

export interface RepairResult {
  action: string;
  generation: number;
  endpoints: { endpoint: string; addresses: number }[];
}

export async function repairDns(plans: PlanStore, dns: DnsControl, ttl = 5): Promise<RepairResult> {
  const plan = await plans.latest();
  if (!plan) throw new Error('no plan in Redis: is the dns-planner running?');
  const result: RepairResult = { action: 'dns', generation: plan.generation, endpoints: [] };
  for (const [endpoint, targets] of Object.entries(plan.endpoints)) {
    if (targets.length === 0) throw new Error(`the newest plan (${plan.generation}) has no addresses for ${endpoint}: nothing to restore`);
    const tree = treeName(endpoint, plan.generation);
    const existing = await dns.records({ name: lockName(endpoint) });
    const changes: Change[] = [
      ...existing.map((r): Change => ({ action: 'DELETE', ...r })),
      { action: 'CREATE', name: lockName(endpoint), type: 'TXT', ttl: 0, values: ['holder=;expires=0'] },
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
