// Every time-based setting of the lab and of its scenarios, derived in this one place from the lab clock
// (lib/lab-clock.ts). The cascade's mechanisms are written here in AWS time: a lease lives 2 AWS hours, the
// network manager configures 70 instances an AWS hour. At 1h=10s that lease lives 20 s, at 1h=60s 2 min;
// the same mechanisms then play the same cascade in the same proportions at any pace (lib/timing.test.ts).
//
// The services read their defaults from here (services/<name>/config.ts), so a service started by hand
// with no variables is the same lab as `docker compose up`; each setting can still be overridden by its own
// variable. compose/CASCADE-NOTES.md says why each value is what it is.
//
// What does not scale with the clock, and must stay small against the smallest scaled interval at the
// fastest clock (1h=5s): real network round trips (~1 ms), CPU per request, and DNS answers' TTLs.
import type { LabClock } from './lab-clock.js';

/** The cascade's mechanisms, in AWS hours (h) and counts. The same at every clock. */
export const CASCADE = {
  dwfm: {
    droplets: { perAz: 100 },
    /**
     * A lease lives this long unless renewed; renewals come every `renewH`, up to `renewJitter` early. A
     * renewal comes due with at least an hour left on its lease, so a lab at rest rides out a stall of up
     * to about an AWS hour (10 s at 1h=10s); leases of 1.5 hours, with half an hour left, collapsed DWFM
     * in stalls of 6 s (CASCADE-NOTES.md).
     */
    lease: { ttlH: 2, renewH: 1, renewJitter: 0.3 },
    scanH: 0.02,
    /** The work queue: lease items of three steps (read, state check, write) served by `workers`. */
    queue: { workers: 32, limit: 1000, deadlineH: 0.12, requeueJitterH: 0.1, recoveryBatch: 12, goodputWindowH: 0.1 },
  },
  /**
   * The kv store's latency per request (DynamoDB's, modeled): scaled like everything else, so DWFM's work
   * time and its load keep their ratio at every clock, but kept within real-time bounds (customers'
   * requests pay it too, twice each).
   */
  kv: { serviceH: 0.0045, minMs: 20, maxMs: 60 },
  /**
   * The droplet hosts' state check, DWFM's costly step; the hosts run `concurrency` at once each. The
   * check that renews a lease, of a droplet held throughout, takes `renewShare` of the time of the one
   * that establishes a lease, which reconciles the droplet's whole state: DWFM at rest then keeps its
   * hosts and workers far from the point where a busy machine's stall of a few seconds collapses it.
   */
  stateCheck: { durationH: 0.02, renewShare: 0.25, concurrency: 8 },
  /** Share of connections to an instance whose network configuration has not arrived that fail. */
  instances: { unconfiguredDrop: 0.9 },
  network: {
    /** Configurations delivered per AWS hour, up to `burst` at once after an idle spell. */
    perHour: 70,
    burst: 10,
    /** With the propagation-throttle fix: launches refused while this much work waits. */
    admissionLimit: 4,
  },
  autoscaling: {
    tickH: 0.02,
    /** Instances' lives are Erlang with this shape around their fleet's mean age (spread: half the mean). */
    lifeShape: 4,
    /** The customers' application behind the NLB: an instance retires after its age, replaced first. */
    app: { perAz: 14, maxAgeH: 4 },
    /** The region's other customers' instances, not behind this NLB: most of the launches. */
    others: { perAz: 33, maxAgeH: 6 },
  },
  /** Customer traffic (real time: requests per second do not scale), and what one NLB node can carry. */
  customers: { ratePerSecond: 20, nodeCapacityPerSecond: 10 },
  nlb: {
    checkIntervalH: 0.05,
    checkTimeoutH: 0.04,
    /** Work per state change in the health-check subsystem; the next round's checks wait behind it. */
    costPerChangeH: 0.015,
    failThreshold: 2,
    passThreshold: 2,
    /** A node whose AZ has a smaller share of its targets in service is removed from DNS (AZ failover). */
    azFailoverThreshold: 0.75,
    /** With the nlb-velocity fix: the share of capacity failover may take out of DNS per window (and per round). */
    maxRemoveFraction: 0.34,
    velocityWindowH: 1,
  },
  /** How the scenario's detectors see the phases (chaos/experiments/phases.ts). */
  detectors: {
    /** propagation-backlog: the oldest configuration has waited this long, or this much work waits. */
    backlogWaitH: 0.25,
    backlogWorkH: 0.25,
    /** nlb-flapping: three flaps, late checks or failovers within this window. */
    flappingWindowH: 0.5,
    /** A phase ends once its condition has been false this long. */
    settleH: 0.2,
  },
  runbook: {
    /** Launches the operators' throttle lets through while DWFM recovers. */
    throttledLaunchesPerHour: 1,
  },
} as const;

/** Real-time floors: what no clock may take a setting below (round trips, DNS TTLs, HTTP timeouts). */
const FLOOR_MS = { check: 25, hostTimeout: 250 } as const;

const ms = (clock: LabClock, hours: number, floor = 1) => Math.max(floor, Math.round(clock.hours(hours)));
const perSecond = (clock: LabClock, perHour: number) => perHour / (clock.msPerAwsHour / 1000);

/** The launcher's time settings (services/launcher/config.ts names). */
export function launcherTiming(clock: LabClock) {
  const { dwfm, network, autoscaling } = CASCADE;
  return {
    LEASE_TTL_MS: ms(clock, dwfm.lease.ttlH),
    LEASE_RENEW_MS: ms(clock, dwfm.lease.renewH),
    LEASE_SCAN_MS: ms(clock, dwfm.scanH),
    ITEM_DEADLINE_MS: ms(clock, dwfm.queue.deadlineH),
    REQUEUE_JITTER_MS: ms(clock, dwfm.queue.requeueJitterH, 0),
    GOODPUT_WINDOW_MS: ms(clock, dwfm.queue.goodputWindowH),
    /** A state check may wait a little behind a busy host (three checks' time); then DWFM gives up on it. */
    DROPLET_TIMEOUT_MS: Math.max(FLOOR_MS.hostTimeout, ms(clock, CASCADE.stateCheck.durationH * 3)),
    NETWORK_RATE: perSecond(clock, network.perHour),
    MAX_INSTANCE_AGE_MS: ms(clock, autoscaling.app.maxAgeH),
    OTHERS_MAX_AGE_MS: ms(clock, autoscaling.others.maxAgeH),
    AUTOSCALING_INTERVAL_MS: ms(clock, autoscaling.tickH),
  };
}
export type LauncherTiming = ReturnType<typeof launcherTiming>;

/** A kv store node's time settings. */
export function kvStoreTiming(clock: LabClock) {
  const { kv } = CASCADE;
  return { SERVICE_TIME_MS: Math.min(kv.maxMs, Math.max(kv.minMs, ms(clock, kv.serviceH))) };
}
export type KvStoreTiming = ReturnType<typeof kvStoreTiming>;

/** A droplet host's time settings. */
export function dropletTiming(clock: LabClock) {
  const { stateCheck } = CASCADE;
  return { STATE_CHECK_MS: ms(clock, stateCheck.durationH), RENEW_CHECK_MS: ms(clock, stateCheck.durationH * stateCheck.renewShare) };
}
export type DropletTiming = ReturnType<typeof dropletTiming>;

/** An NLB node's time settings (the health checks run on the checker node). */
export function nlbTiming(clock: LabClock) {
  const { nlb } = CASCADE;
  return {
    CHECK_INTERVAL_MS: ms(clock, nlb.checkIntervalH, FLOOR_MS.check * 2),
    CHECK_TIMEOUT_MS: ms(clock, nlb.checkTimeoutH, FLOOR_MS.check),
    CHECK_COST_PER_CHANGE_MS: ms(clock, nlb.costPerChangeH, 0),
    VELOCITY_WINDOW_MS: ms(clock, nlb.velocityWindowH),
  };
}
export type NlbTiming = ReturnType<typeof nlbTiming>;

/** What a run needs: the detectors' thresholds and windows, the runbook's throttle. */
export function scenarioTiming(clock: LabClock) {
  const { detectors, runbook } = CASCADE;
  return {
    backlogWaitMs: ms(clock, detectors.backlogWaitH),
    backlogWorkMs: ms(clock, detectors.backlogWorkH),
    flappingWindowMs: ms(clock, detectors.flappingWindowH),
    settleMs: ms(clock, detectors.settleH),
    throttledLaunchesPerSecond: perSecond(clock, runbook.throttledLaunchesPerHour),
  };
}
export type ScenarioTiming = ReturnType<typeof scenarioTiming>;

export { FLOOR_MS as REAL_TIME_FLOORS_MS };

/** What a service's HTTP face needs of its time settings (GET and PUT /lab/clock). */
export interface ClockedView {
  readonly clock: LabClock;
  readonly values: Readonly<Record<string, number>>;
  readonly overrides: object;
  setClock(clock: LabClock): void;
}

/**
 * A service's time settings for the current lab clock: derived from it, except the ones its own variable
 * set (`overrides`). A new clock (PUT /lab/clock) derives them again and tells the listeners, which put the
 * new values into the running mechanisms.
 */
export class ClockedSettings<T extends Record<string, number>> {
  private current: T;
  private readonly listeners: ((values: T) => void)[] = [];

  constructor(
    private readonly derive: (clock: LabClock) => T,
    /** The settings given by their own variable: they stay as given, whatever the clock. */
    readonly overrides: Partial<T>,
    private labClock: LabClock,
  ) {
    this.current = this.compute();
  }

  get clock(): LabClock {
    return this.labClock;
  }

  get values(): Readonly<T> {
    return this.current;
  }

  /** Calls `listener` with the values now and after every change of clock. */
  apply(listener: (values: T) => void): void {
    this.listeners.push(listener);
    listener(this.current);
  }

  setClock(clock: LabClock): void {
    this.labClock = clock;
    this.current = this.compute();
    for (const listener of this.listeners) listener(this.current);
  }

  private compute(): T {
    const values = this.derive(this.labClock);
    for (const [k, v] of Object.entries(this.overrides)) if (v !== undefined) (values as Record<string, number>)[k] = v;
    return values;
  }
}

/** The derived settings a parsed configuration set by their own variable (undefined: follow the clock). */
export function overridesOf<T extends Record<string, number>>(config: Record<string, unknown>, derive: (clock: LabClock) => T, clock: LabClock): Partial<T> {
  const keys = Object.keys(derive(clock));
  return Object.fromEntries(keys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]])) as Partial<T>;
}
