// The launcher's /lab/state contract: DWFM's leases and work queue, the network manager, the EC2 API's
// instances and counters, the operator throttle and autoscaling. dwfm.ts, network-manager.ts, ec2-api.ts
// and autoscaling.ts build their parts of it; the phase detectors, the timeline and the scenarios read it.
import { z } from 'zod';

const count = z.number().int().min(0);

export const dwfmStateSchema = z.object({
  leased: count,
  droplets: count,
  /** leased / droplets, 0 to 1. */
  leasedFraction: z.number().min(0).max(1),
  byAz: z.record(z.string(), z.object({ droplets: count, leased: count })),
  /** Leases are being established in batches (at start and after restart-dwfm). */
  recovering: z.boolean(),
  queue: z.object({
    /** Items admitted and not finished. */
    depth: count,
    inFlight: count,
    stepsWaiting: count,
    /** Items completed per second over the goodput window. */
    goodput: z.number().min(0),
    // Cumulative counters.
    added: count,
    completed: count,
    failed: count,
    timeouts: count,
    wastedSteps: count,
    requeues: count,
    dropped: count,
    cleared: count,
    stepsRun: count,
  }),
  stats: z.object({ established: count, renewed: count, lost: count, failures: count, restarts: count }),
  lastError: z.string().nullable(),
});
export type DwfmState = z.infer<typeof dwfmStateSchema>;

export const networkStateSchema = z.object({
  /** Work waiting or being delivered. */
  backlog: count,
  waiting: count,
  inFlight: count,
  /** The propagation-throttle fix is on. */
  fix: z.boolean(),
  admissionLimit: count,
  ratePerSecond: z.number().positive(),
  latencyMs: z.object({ p50: z.number(), p99: z.number(), max: z.number(), samples: count, oldestWaitingMs: z.number() }),
  stats: z.object({ queued: count, delivered: count, failed: count, refused: count }),
});
export type NetworkState = z.infer<typeof networkStateSchema>;

export const INSTANCE_STATES = ['pending', 'network-pending', 'running', 'terminated'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];
const byInstanceState = z.object({ pending: count, 'network-pending': count, running: count, terminated: count });

export const instanceCountsSchema = byInstanceState.extend({ byAz: z.record(z.string(), byInstanceState) });
export type InstanceCounts = z.infer<typeof instanceCountsSchema>;

export const ec2StatsSchema = z.object({ launched: count, insufficientCapacity: count, throttled: count, terminated: count, launchFailed: count });
export const throttleStateSchema = z.object({ enabled: z.boolean(), launchesPerSecond: z.number().positive() });
export type ThrottleState = z.infer<typeof throttleStateSchema>;

export const fleetStateSchema = z.object({
  group: z.string(),
  desiredPerAz: count,
  maxInstanceAgeMs: z.number().min(0),
  replace: z.enum(['launch-first', 'terminate']),
});

export const autoscalingStateSchema = z.object({
  fleets: z.array(fleetStateSchema),
  /** Aged instances of launch-first fleets waiting for their replacement to run. */
  replacing: count,
  /** Capacity missing right now, every fleet together: desired minus running, per AZ. */
  missing: z.record(z.string(), count),
  stats: z.object({ launches: count, recycled: count, failures: z.record(z.string(), count) }),
});
export type AutoscalingState = z.infer<typeof autoscalingStateSchema>;

export const launcherStateSchema = z.object({
  dwfm: dwfmStateSchema,
  network: networkStateSchema,
  instances: instanceCountsSchema,
  ec2: ec2StatsSchema,
  throttle: throttleStateSchema,
  autoscaling: autoscalingStateSchema.nullable(),
  fixes: z.object({ propagationThrottle: z.boolean() }),
});
export type LauncherState = z.infer<typeof launcherStateSchema>;

/** One instance as the EC2 API shows it (GET /v1/instances, what the NLB registers as targets). */
export const instanceSchema = z.object({
  id: z.string(),
  az: z.string(),
  /** The autoscaling fleet it belongs to (app: behind the NLB). */
  group: z.string(),
  dropletId: z.string(),
  /** The droplet host and port, once the host created it. */
  host: z.string().nullable(),
  port: z.number().int().nullable(),
  state: z.enum(INSTANCE_STATES),
  launchedAt: z.number(),
  runningAt: z.number().optional(),
  terminatedAt: z.number().optional(),
  reason: z.string().optional(),
});
export type Instance = z.infer<typeof instanceSchema>;
