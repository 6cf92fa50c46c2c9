// The controller's HTTP API as zod schemas, written once: its routes serve through them (app.ts,
// fault-routes.ts, timeline.ts) and chaos/lab-client.ts parses every answer with them.
import { z } from 'zod';
import { holderSchema } from '../../lib/contract.js';
import { dnsServerStateSchema } from '../../services/dns-server/state.js';
import { SERVICE_KINDS } from '../contracts.js';
import { ROLES } from '../topology.js';
import { canaryCountsSchema } from './state.js';

export const serviceStatusSchema = z.object({
  name: z.string(),
  alive: z.boolean(),
  ready: z.boolean(),
  checks: z.unknown().optional(),
  error: z.string().optional(),
});
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** GET /api/status: every service's readiness, the DNS server's aliases, the canary's counts. */
export const labStatusSchema = z.object({
  time: z.number(),
  ready: z.boolean(),
  services: z.array(serviceStatusSchema),
  dns: dnsServerStateSchema.nullable(),
  customer: canaryCountsSchema,
});
export type LabStatus = z.infer<typeof labStatusSchema>;

export const labServiceSchema = z.object({
  name: z.string(),
  kind: z.enum(SERVICE_KINDS as [string, ...string[]]),
  port: z.number().int(),
  url: z.string(),
});

/** GET /api/topology: the services from the compose labels, and who plays each role right now. */
export const topologySchema = z.object({
  services: z.array(labServiceSchema),
  roles: z.partialRecord(z.enum(ROLES), z.string()),
});

export const serviceParams = z.object({ name: z.string().min(1).max(100) });

export const heldFaultSchema = z.object({
  id: z.string(),
  kind: z.string(),
  target: z.string(),
  params: z.record(z.string(), z.unknown()),
  holder: z.string().nullable(),
  expiresAt: z.number(),
  injectedAt: z.number(),
  undoError: z.string().optional(),
});
export type HeldFaultInfo = z.infer<typeof heldFaultSchema>;

/** POST /api/faults: a fault held by a lease (holder) or by its own ttlMs. */
export const faultRequestSchema = z
  .object({
    kind: z.string().min(1),
    target: z.string().min(1).max(100),
    params: z.record(z.string(), z.unknown()).optional(),
    holder: holderSchema.optional(),
    ttlMs: z.number().int().min(100).max(3_600_000).optional(),
  })
  .strict();

export const leaseInfoSchema = z.object({ holder: z.string(), expiresAt: z.number(), faults: z.array(z.string()) });
export const leaseReleasedSchema = z.object({ holder: z.string(), faultsUndone: z.number().int() });
export const holderParams = z.object({ holder: holderSchema });

export const repairRequestSchema = z.object({ action: z.string().min(1) }).strict();
/** What a runbook action answered: the service's own answer, with the service's name. */
export const repairResultSchema = z.record(z.string(), z.unknown());

export const HOOKS = ['pause', 'resume'] as const;
export const hookParams = z.object({ name: z.string().min(1).max(100), hook: z.enum(HOOKS) });
