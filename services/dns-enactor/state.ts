// A DNS enactor's /lab/state contract: which plan it is applying, the last one it applied, and its
// outcome counters (`stats.stale` counts stale plans the fix refused: the trigger's signal with the fix on).
import { z } from 'zod';

const count = z.number().int().min(0);

export const enactorStatsSchema = z.object({
  plansPicked: count,
  applied: count,
  stale: count,
  refused: count,
  inconsistent: count,
  lockLost: count,
  treesDeleted: count,
});

export const enactorStateSchema = z.object({
  id: z.string(),
  /** The enactor fix is on. */
  fix: z.boolean(),
  paused: z.boolean(),
  current: z.object({ generation: count, endpoint: z.string().optional(), step: z.string(), attempts: count }).nullable(),
  lastApplied: z.object({ generation: count, at: z.number() }).nullable(),
  lastError: z.string().nullable(),
  stats: enactorStatsSchema,
});
export type EnactorState = z.infer<typeof enactorStateSchema>;
