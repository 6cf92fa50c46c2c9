// An NLB node's /lab/state contract. Every node reports its traffic; the node that runs the health
// checks (isChecker) also reports the targets' and nodes' health, the app endpoint's DNS weights and
// the checker's rounds, which is where the flapping phase is read from.
import { z } from 'zod';

const count = z.number().int().min(0);
const checkResult = z.enum(['pass', 'fail', 'late']).nullable();

export const forwarderStatsSchema = z.object({
  requests: count,
  forwarded: count,
  noTargets: count,
  overloaded: count,
  upstreamErrors: count,
  /** Upstream errors by cause: the error's code (ECONNREFUSED, UND_ERR_SOCKET...). */
  upstreamErrorsByCause: z.record(z.string(), count),
});

export const roundReportSchema = z.object({
  round: count,
  startedAt: z.number(),
  durationMs: z.number(),
  backlogMs: z.number(),
  checks: count,
  lateChecks: count,
  targetsRemoved: count,
  targetsReturned: count,
  removalsDeferred: count,
  capacityBefore: count,
  capacityRemoved: count,
  dnsWeightBefore: z.number(),
  dnsWeightRemoved: z.number(),
  nodesRemovedFromDns: z.array(z.string()),
  nodesReturnedToDns: z.array(z.string()),
  stateChanges: count,
  /** The larger share this round removed: of the capacity in service, or of the DNS weight. What velocity control caps. */
  removedShare: z.number().min(0).max(1),
});
export type RoundReport = z.infer<typeof roundReportSchema>;

export const checkerTotalsSchema = z.object({
  rounds: count,
  stateChanges: count,
  targetsRemoved: count,
  targetsReturned: count,
  flaps: count,
  lateChecks: count,
  dnsRemovals: count,
  dnsReturns: count,
  dnsErrors: count,
  /** The largest share of capacity (targets in service, or DNS weight) one round removed. */
  maxRemovedShare: z.number().min(0).max(1),
});

const base = {
  node: z.string(),
  address: z.string(),
  /** The id of the node that runs the health checks. */
  checker: z.string(),
  /** The nlb-velocity fix is on. */
  fix: z.boolean(),
  traffic: forwarderStatsSchema,
};

export const checkerNodeStateSchema = z.object({
  ...base,
  isChecker: z.literal(true),
  failoverEnabled: z.boolean(),
  targetsByAz: z.record(z.string(), z.object({ total: count, inService: count })),
  /** Targets in service, every AZ together. */
  healthyCapacity: count,
  dnsWeights: z.record(z.string(), z.number()),
  nodes: z.array(z.object({ id: z.string(), address: z.string().nullable(), healthy: z.boolean(), last: checkResult })),
  flaps: count,
  totals: checkerTotalsSchema,
  lastRound: roundReportSchema.nullable(),
  rounds: z.array(roundReportSchema.pick({ round: true, durationMs: true, stateChanges: true, capacityRemoved: true, dnsWeightRemoved: true, lateChecks: true, removedShare: true })),
  lastError: z.string().nullable(),
});

export const followerNodeStateSchema = z.object({
  ...base,
  isChecker: z.literal(false),
  /** Targets in service (every AZ), as the checker last said. */
  inService: count,
  viewAgeMs: z.number().nullable(),
  viewError: z.string().nullable(),
});

export const nlbStateSchema = z.discriminatedUnion('isChecker', [checkerNodeStateSchema, followerNodeStateSchema]);
export type NlbState = z.infer<typeof nlbStateSchema>;
export type CheckerNodeState = z.infer<typeof checkerNodeStateSchema>;

/** GET /v1/node: who a node is (what the node checks and the controller's topology ask). */
export const nodeInfoSchema = z.object({ id: z.string(), address: z.string(), trafficPort: z.number().int(), checker: z.boolean() });

export const targetSchema = z.object({ id: z.string(), az: z.string(), host: z.string(), port: z.number().int() });

/** GET /v1/targets: the targets the checker knows (with their health), or a follower's in-service view. */
export const targetsResponseSchema = z.object({
  checker: z.string(),
  round: count.optional(),
  targets: z.array(
    targetSchema.extend({
      inService: z.boolean(),
      fails: count.optional(),
      passes: count.optional(),
      flips: count.optional(),
      last: checkResult.optional(),
    }),
  ),
});
