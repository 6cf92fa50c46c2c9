// The controller's own /lab/state contract: the services it knows and its customer canary's counts.
import { z } from 'zod';

const count = z.number().int().min(0);

export const canaryCountsSchema = z.object({
  requests: count,
  successes: count,
  errors: z.record(z.string(), count),
  lastError: z.string().nullable(),
});
export type CanaryCounts = z.infer<typeof canaryCountsSchema>;

export const controllerStateSchema = z.object({ services: z.array(z.string()), customer: canaryCountsSchema });
export type ControllerState = z.infer<typeof controllerStateSchema>;
