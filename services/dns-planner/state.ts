// The DNS planner's /lab/state contract: the newest plan and what it last learned of the kv nodes.
import { z } from 'zod';

const count = z.number().int().min(0);

export const planSchema = z.object({
  generation: count,
  createdAt: z.number(),
  reason: z.string(),
  endpoints: z.record(z.string(), z.array(z.object({ id: z.string(), address: z.string(), weight: z.number() }))),
});

export const nodeReportSchema = z.object({
  id: z.string(),
  ready: z.boolean(),
  address: z.string().optional(),
  inflight: count.optional(),
  queued: count.optional(),
  capacity: count.optional(),
});

export const plannerStateSchema = z.object({
  generation: count,
  lastPlan: planSchema.nullable(),
  plansPublished: count,
  probeRounds: count,
  nodes: z.array(nodeReportSchema),
});
export type PlannerState = z.infer<typeof plannerStateSchema>;
