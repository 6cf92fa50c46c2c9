// The controller's HTTP API as zod schemas, written once: its routes serve through them (app.ts,
// fault-routes.ts, timeline.ts) and chaos/lab-client.ts parses every answer with them.
import { z } from 'zod';
import { FIXES, holderSchema } from '../../lib/contract.js';
import { dnsServerStateSchema } from '../../services/dns-server/state.js';
import { SERVICE_KINDS } from '../contracts.js';
import { ROLES } from '../topology.js';
import { canaryCountsSchema } from './state.js';
import { timelineEventSchema, type SeriesName } from './timeline.js';

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

/** GET /api/runbook: every operator action with what it does. */
export const runbookSchema = z.array(z.object({ action: z.string(), help: z.string() }));

/** GET /api/faults/targets: what each kind of fault target can be in this lab right now. */
export const faultTargetsSchema = z.object({
  'tcp-link': z.array(z.string()),
  'udp-link': z.array(z.string()),
  container: z.array(z.string()),
  service: z.array(z.string()),
});
export type FaultTargets = z.infer<typeof faultTargetsSchema>;

// ---- runs hosted by the controller (runs.ts, run-routes.ts) ----

/** GET /api/scenarios: the scenarios that ship with the lab. */
export const scenarioListSchema = z.array(
  z.object({ name: z.string(), title: z.string(), description: z.string(), expectedMs: z.number().nullable(), phases: z.array(z.string()) }),
);

export const scenarioNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a scenario name (GET /api/scenarios lists them)');
/** A lab clock as LAB_CLOCK spells it: an AWS duration = a lab duration. */
export const labClockSchema = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)=\d+(\.\d+)?(ms|s|m|h)$/, 'a lab clock like 1h=60s');

/** GET and PUT /api/clock: the lab clock, and what every service whose time follows it says it runs at. */
export const labClockStatusSchema = z.object({
  clock: z.string(),
  consistent: z.boolean(),
  services: z.array(z.object({ name: z.string(), clock: z.string().nullable(), error: z.string().optional() })),
});

export type LabClockStatus = z.infer<typeof labClockStatusSchema>;

/** PUT /api/fixes: the fixes the lab runs with from now on (`all`: every one); the others are switched off. */
export const fixesBodySchema = z.object({ fixes: z.array(z.enum([...FIXES, 'all'])).max(8) }).strict();

/**
 * GET and PUT /api/fixes: the fixes on in every service that implements them, the fixes whose services
 * disagree (some on, some off, some without an answer: `disagree`), whether every service answered and
 * none disagree (`consistent`), and each switch as its service says (`on` null: it did not answer).
 */
export const fixesStatusSchema = z.object({
  fixes: z.array(z.enum(FIXES)),
  disagree: z.array(z.enum(FIXES)),
  consistent: z.boolean(),
  services: z.array(z.object({ name: z.string(), fix: z.enum(FIXES), on: z.boolean().nullable(), error: z.string().optional() })),
});

export type FixesStatus = z.infer<typeof fixesStatusSchema>;

/** POST /api/runs: a shipped scenario, its seed (drawn when left out) and the lab clock to run it at. */
export const runRequestSchema = z
  .object({ scenario: scenarioNameSchema, seed: z.number().int().min(0).max(2 ** 31 - 1).optional(), clock: labClockSchema.optional() })
  .strict();

export const runIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, 'a run id (GET /api/runs lists them)');
export const runParams = z.object({ id: runIdSchema });

export const phaseSchema = z.object({ name: z.string(), start: z.number(), end: z.number(), ongoing: z.boolean().optional() });

export const RUN_STATES = ['running', 'stopping', 'completed', 'deviated', 'aborted'] as const;

/** A run of the controller: while it goes on (GET /api/runs/current), and once finished (GET /api/runs). */
export const runInfoSchema = z.object({
  id: z.string(),
  scenario: z.string(),
  title: z.string(),
  seed: z.number().int(),
  /** The lab clock it plays at. */
  clock: z.string(),
  fixes: z.array(z.string()),
  state: z.enum(RUN_STATES),
  /** ms epoch */
  startedAt: z.number(),
  elapsedMs: z.number(),
  /** The longest the experiment can take (chaos/progress.ts), null when nothing in it takes time. */
  expectedMs: z.number().nullable(),
  activity: z.string().nullable(),
  /** Phases detected so far, start and end in ms from the run's start. */
  phases: z.array(phaseSchema),
  /** The run's faults in place right now. */
  faults: z.number().int(),
  /** The run's newest progress lines. */
  lines: z.array(z.string()),
  reason: z.string().optional(),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

export const runListSchema = z.object({ current: runInfoSchema.nullable(), finished: z.array(runInfoSchema) });

/** POST /api/emergency-stop: what it ended and removed; `errors` names the parts it could not reach. */
export const emergencyStopSchema = z.object({
  run: z.string().nullable(),
  controllerFaults: z.number().int(),
  toxics: z.number().int(),
  proxyLeases: z.number().int(),
  errors: z.array(z.string()),
});
export type EmergencyStopResult = z.infer<typeof emergencyStopSchema>;

// ---- the live stream (GET /api/live, live.ts): server-sent events `hello`, then `frame` and `heartbeat` ----

/** The series the dashboard charts, named as in every TimelineSample. */
export const LIVE_SERIES = [
  'customerRequests',
  'customerSuccessRate',
  'customerP99Ms',
  'kvAddresses',
  'dwfmLeased',
  'dwfmDroplets',
  'dwfmQueueDepth',
  'networkBacklog',
  'nlbHealthyCapacity',
] as const satisfies readonly SeriesName[];
export type LiveSeries = (typeof LIVE_SERIES)[number];

const seriesValues = <T extends z.ZodType>(value: T) => Object.fromEntries(LIVE_SERIES.map((name) => [name, value])) as Record<LiveSeries, T>;

/** One timeline sample, charted series only. */
export const livePointSchema = z.object({ t: z.number(), ...seriesValues(z.number().nullable()) });
export type LivePoint = z.infer<typeof livePointSchema>;

/** green, amber, red on the map: answers /readyz with 200, answers otherwise, does not answer in time. */
export const SERVICE_STATES = ['ready', 'alive', 'dead'] as const;
export type ServiceState = (typeof SERVICE_STATES)[number];

/** A fault in place: one the controller holds, or a toxic on the fault proxy (with its lease, if any). */
export const liveFaultSchema = z.object({
  source: z.enum(['controller', 'fault-proxy']),
  id: z.string(),
  kind: z.string(),
  target: z.string(),
  params: z.record(z.string(), z.unknown()),
  holder: z.string().nullable(),
  /** ms epoch; null for a toxic nobody holds (it stays until removed). */
  expiresAt: z.number().nullable(),
  undoError: z.string().optional(),
});
export type LiveFault = z.infer<typeof liveFaultSchema>;

/** What a name resolves to at the lab's DNS server; null when the server did not answer in time. */
export const liveEndpointSchema = z.object({ name: z.string(), addresses: z.array(z.string()).nullable() });
export type LiveEndpoint = z.infer<typeof liveEndpointSchema>;

/** The lab's services and roles, and what the map shows beside them that is no lab service (Redis). */
export const liveTopologySchema = topologySchema.extend({ infra: z.array(z.string()) });
export type LiveTopology = z.infer<typeof liveTopologySchema>;

/** One frame per timeline sample: everything the page shows, as of `t`. */
export const liveFrameSchema = z.object({
  seq: z.number().int(),
  /** ms epoch, when the frame was made */
  t: z.number(),
  /** The samples since the previous frame (one, unless the controller fell behind). */
  points: z.array(livePointSchema),
  services: z.record(z.string(), z.enum(SERVICE_STATES)),
  endpoints: z.array(liveEndpointSchema),
  faults: z.array(liveFaultSchema),
  /** The run going on, or the last one to finish. */
  run: runInfoSchema.nullable(),
  events: z.array(timelineEventSchema),
  eventsDropped: z.number().int().optional(),
  /** Only when the topology changed since the previous frame. */
  topology: liveTopologySchema.optional(),
});
export type LiveFrame = z.infer<typeof liveFrameSchema>;

/** The charted series over a window, column by column (what uPlot takes). */
export const liveHistorySchema = z.object({ t: z.array(z.number()), ...seriesValues(z.array(z.number().nullable())) });
export type LiveHistory = z.infer<typeof liveHistorySchema>;

/** The first message of every connection: enough to draw the whole page at once. */
export const liveHelloSchema = z.object({
  t: z.number(),
  intervalMs: z.number(),
  windowMs: z.number(),
  heartbeatMs: z.number(),
  series: z.record(z.string(), z.string()),
  topology: liveTopologySchema.nullable(),
  history: liveHistorySchema,
  events: z.array(timelineEventSchema),
  /** The newest frame, null before the first sample. */
  frame: liveFrameSchema.nullable(),
});
export type LiveHello = z.infer<typeof liveHelloSchema>;
