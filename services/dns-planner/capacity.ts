// From what the kv-store nodes report to the targets of a plan: only ready nodes, weighted by headroom.
// Weights are quantized to eight levels so that small load changes do not create a plan each, but real
// capacity changes (a node busy, a node gone) do: that churn is what exposed the race at AWS.
import type { PlanTarget } from '../../lib/plans.js';

export interface NodeReport {
  id: string;
  ready: boolean;
  address?: string;
  inflight?: number;
  queued?: number;
  capacity?: number;
}

export function weightFor(report: NodeReport): number {
  const capacity = Math.max(1, report.capacity ?? 1);
  const busy = Math.min(1, ((report.inflight ?? 0) + (report.queued ?? 0)) / capacity);
  const level = 8 - Math.min(7, Math.floor(busy * 8));
  return level * 32 - 1; // 255 idle ... 31 saturated
}

export function targetsFrom(reports: readonly NodeReport[]): PlanTarget[] {
  return reports
    .filter((r) => r.ready && r.address)
    .map((r) => ({ id: r.id, address: r.address as string, weight: weightFor(r) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export const sameTargets = (a: readonly PlanTarget[], b: readonly PlanTarget[]) =>
  a.length === b.length && a.every((t, i) => t.id === b[i]?.id && t.address === b[i]?.address && t.weight === b[i]?.weight);
