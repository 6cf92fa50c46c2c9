// The HTTP contract every lab service shares, as zod schemas written once: the routes serve through
// them (lib/http.ts, fastify-type-provider-zod) and every reader parses with them (chaos/lab-client.ts).
// A service's own `/lab/state` body is its schema in services/<name>/state.ts, wrapped in stateEnvelope.
import { z } from 'zod';

export const readinessSchema = z.object({
  ok: z.boolean(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })),
});
export type Readiness = z.infer<typeof readinessSchema>;

/** GET /readyz: 200 when ready, 503 when not, with the same body. */
export const readyzSchema = readinessSchema.extend({ service: z.string() });

/**
 * DWFM's state check with a droplet host (GET /v1/droplets/:id/check?kind=): the check that establishes
 * a lease reconciles the droplet's whole state; the one that renews a lease held throughout is shorter.
 */
export const CHECK_KINDS = ['establish', 'renew'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export const healthzSchema = z.object({ ok: z.literal(true), service: z.string() });

export const labEventSchema = z.object({
  seq: z.number().int(),
  time: z.number(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type LabEvent = z.infer<typeof labEventSchema>;

/** GET /lab/events?since=N: the events after N still in the ring, and the cursor to ask from next. */
export const eventsPageSchema = z.object({ service: z.string(), events: z.array(labEventSchema), next: z.number().int() });
export const eventsQuerySchema = z
  .object({ since: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(5000).optional() })
  .strict();

/** GET /lab/state: `{service, time, state}` with the service's own state schema inside. */
export const stateEnvelope = <S extends z.ZodType>(state: S) =>
  z.object({ service: z.string(), time: z.number(), /** The lab clock of a service whose settings follow it. */ clock: z.string().optional(), state });

/** Every error a lab service answers with (lib/http.ts writes them): a stable code and a message. */
export const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

/** An empty or absent body (`{}` or nothing), for actions that take no input. */
export const emptyBody = z.object({}).strict().nullish();

/** Names the way the lab's ids are written: az-a, kv-1, run-aws-2025-10-20-41 ... */
export const holderSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'expected 1 to 100 of A-Z a-z 0-9 _ . : -');
export const leaseTtlSchema = z.object({ ttlMs: z.number().int().min(100).max(600_000) }).strict();

/** Amazon's remediations; each is a switch of the services that implement it (chaos/controller/fixes.ts). */
export const FIXES = ['enactor', 'nlb-velocity', 'propagation-throttle'] as const;
export type Fix = (typeof FIXES)[number];
/** PUT /lab/fix: the service's fix on or off, at once (its FIX_ variable only sets it at start). */
export const fixBodySchema = z.object({ on: z.boolean() }).strict();
/** GET and PUT /lab/fix: the fix a service implements, and whether it is on. */
export const fixStateSchema = z.object({ fix: z.enum(FIXES), on: z.boolean() });
export type FixState = z.infer<typeof fixStateSchema>;

/** PUT /lab/clock: a new lab clock for a service's time settings (like 1h=60s). */
export const clockBodySchema = z.object({ clock: z.string().min(1).max(40) }).strict();
/** GET and PUT /lab/clock: the service's clock and the time settings it derives, those set by their own variable named. */
export const clockStateSchema = z.object({ clock: z.string(), settings: z.record(z.string(), z.number()), overridden: z.array(z.string()) });
export type ClockState = z.infer<typeof clockStateSchema>;
