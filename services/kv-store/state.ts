// A kv-store node's /lab/state contract: its address (what plans publish) and its admission counters.
import { z } from 'zod';

const count = z.number().int().min(0);

export const admissionStateSchema = z.object({
  inflight: count,
  queued: count,
  capacity: count,
  served: count,
  throttled: count,
  /** The slow-handler fault: every request holds its slot this much longer. */
  slowByMs: count,
});

export const kvStoreStateSchema = admissionStateSchema.extend({ node: z.string(), address: z.string() });
export type KvStoreState = z.infer<typeof kvStoreStateSchema>;
