// Complete, valid /lab/state snapshots of the lab's services for unit tests, written against the state
// types (chaos/contracts.ts): a field renamed or retyped in a service's schema fails to compile here,
// instead of every fake quietly keeping the old shape. `labState(kind, patch)` deep-merges a patch into
// the default snapshot and checks the result against the kind's schema.
import { STATE_SCHEMAS, type ServiceKind, type StateOf } from '../../chaos/contracts.js';
import type { CheckerNodeState } from '../../services/nlb/state.js';

export type DeepPartial<T> = T extends (infer U)[] ? U[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

const ec2: StateOf<'ec2'> = {
  dwfm: {
    leased: 450,
    droplets: 450,
    leasedFraction: 1,
    byAz: { 'az-a': { droplets: 150, leased: 150 }, 'az-b': { droplets: 150, leased: 150 }, 'az-c': { droplets: 150, leased: 150 } },
    recovering: false,
    queue: { depth: 0, inFlight: 0, stepsWaiting: 0, goodput: 0, added: 0, completed: 0, failed: 0, timeouts: 0, wastedSteps: 0, requeues: 0, dropped: 0, cleared: 0, stepsRun: 0 },
    stats: { established: 450, renewed: 0, lost: 0, failures: 0, restarts: 0 },
    lastError: null,
  },
  network: {
    backlog: 0,
    waiting: 0,
    inFlight: 0,
    fix: false,
    admissionLimit: 4,
    ratePerSecond: 2,
    latencyMs: { p50: 0, p99: 0, max: 0, samples: 0, oldestWaitingMs: 0 },
    stats: { queued: 0, delivered: 0, failed: 0, refused: 0 },
  },
  instances: {
    pending: 0,
    'network-pending': 0,
    running: 21,
    terminated: 0,
    byAz: {
      'az-a': { pending: 0, 'network-pending': 0, running: 7, terminated: 0 },
      'az-b': { pending: 0, 'network-pending': 0, running: 7, terminated: 0 },
      'az-c': { pending: 0, 'network-pending': 0, running: 7, terminated: 0 },
    },
  },
  ec2: { launched: 21, insufficientCapacity: 0, throttled: 0, terminated: 0, launchFailed: 0 },
  throttle: { enabled: false, launchesPerSecond: 1 },
  autoscaling: {
    fleets: [{ group: 'app', desiredPerAz: 7, maxInstanceAgeMs: 200_000, replace: 'launch-first' }],
    replacing: 0,
    missing: { 'az-a': 0, 'az-b': 0, 'az-c': 0 },
    stats: { launches: 21, recycled: 0, failures: {} },
  },
  fixes: { propagationThrottle: false },
};

const checker: CheckerNodeState = {
  node: 'az-a',
  address: '172.30.53.20',
  checker: 'az-a',
  isChecker: true,
  fix: false,
  traffic: { requests: 0, forwarded: 0, noTargets: 0, overloaded: 0, upstreamErrors: 0, upstreamErrorsByCause: {} },
  failoverEnabled: true,
  targetsByAz: { 'az-a': { total: 7, inService: 7 }, 'az-b': { total: 7, inService: 7 }, 'az-c': { total: 7, inService: 7 } },
  healthyCapacity: 21,
  dnsWeights: { 'az-a': 7, 'az-b': 7, 'az-c': 7 },
  nodes: [],
  flaps: 0,
  totals: { rounds: 0, stateChanges: 0, targetsRemoved: 0, targetsReturned: 0, flaps: 0, lateChecks: 0, dnsRemovals: 0, dnsReturns: 0, dnsErrors: 0, maxRemovedShare: 0 },
  lastRound: null,
  rounds: [],
  lastError: null,
};

const loadgen: StateOf<'loadgen'> = {
  url: 'http://app.us-east-1.lab.internal/',
  rate: 20,
  paused: false,
  running: true,
  connections: 4,
  pipelining: 1,
  inFlight: 0,
  queued: 0,
  uptimeMs: 0,
  totals: { requests: 0, successes: 0, errors: 0, errorsByKind: {}, successRate: 1 },
  latency: null,
  series: [],
};

const enactor: StateOf<'dns-enactor'> = {
  id: 'az-a',
  fix: false,
  paused: false,
  current: null,
  lastApplied: null,
  lastError: null,
  stats: { plansPicked: 0, applied: 0, stale: 0, refused: 0, inconsistent: 0, lockLost: 0, treesDeleted: 0 },
};

const DEFAULTS: Partial<{ [K in ServiceKind]: StateOf<K> }> = { ec2, nlb: checker, loadgen, 'dns-enactor': enactor };

function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (patch === undefined) return base;
  if (Array.isArray(base) || base === null || typeof base !== 'object' || patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = k in out ? merge(out[k], v as never) : v;
  return out as T;
}

/** A valid snapshot of a service of `kind`, with `patch` merged in; throws when the result breaks the contract. */
export function labState<K extends 'ec2' | 'nlb' | 'loadgen' | 'dns-enactor'>(kind: K, patch?: DeepPartial<StateOf<K>>): StateOf<K> {
  const base = structuredClone(DEFAULTS[kind]) as StateOf<K>;
  return STATE_SCHEMAS[kind].parse(merge(base, patch)) as StateOf<K>;
}
