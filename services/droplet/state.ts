// A droplet host's /lab/state contract: its instances by state and the customer app's counters.
import { z } from 'zod';

const count = z.number().int().min(0);

export const DROPLET_INSTANCE_STATES = ['created', 'serving', 'terminated'] as const;

export const appStatsSchema = z.object({ requests: count, ok: count, failed: count });
export type AppStats = z.infer<typeof appStatsSchema>;

export const dropletStateSchema = z.object({
  host: z.string(),
  az: z.string(),
  counts: z.object({ created: count, serving: count, terminated: count }),
  instances: z.object({ created: z.array(z.string()), serving: z.array(z.string()), terminated: z.array(z.string()) }),
  app: appStatsSchema,
  /** DWFM's state checks on this host: in flight, waiting, served, and what one costs now. */
  stateChecks: z.object({ inFlight: count, queued: count, served: count, durationMs: z.number().min(0), renewDurationMs: z.number().min(0), concurrency: count }),
});
export type DropletState = z.infer<typeof dropletStateSchema>;
