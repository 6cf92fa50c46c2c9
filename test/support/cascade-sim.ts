// The whole cascade in virtual time, for tests and tuning: the lab's own mechanisms (DWFM and its work
// queue, the droplet hosts' state checks, the EC2 API, the network manager, autoscaling, the NLB health
// checks and app endpoint), wired as the services wire them and set from lib/timing.ts for a lab clock,
// on a ManualClock. What stands in for the rest: the kv store (its DNS emptied by the race, restored by
// the runbook), the instances' reachability (configured: always; not yet: the drop share), and customer
// traffic (the load split over the NLB nodes in DNS by weight, each node's capacity, and the targets in
// service behind it). The phases are detected with the lab's own detectors (chaos/experiments/phases.ts).
// Fourteen and a half AWS hours take a few seconds of CPU at any clock; runCascadeSims runs several in
// worker threads (test/support/workers.ts).
import { ManualClock } from '../../lib/clock.js';
import type { Change, DnsApi, RecordSet } from '../../lib/dns-control.js';
import { EventLog } from '../../lib/events.js';
import { LabClock } from '../../lib/lab-clock.js';
import { silentLogger } from '../../lib/log.js';
import { Random } from '../../lib/random.js';
import { CASCADE, launcherTiming, nlbTiming, scenarioTiming, dropletTiming, kvStoreTiming } from '../../lib/timing.js';
import { dnsEmptyDetector, leaseCollapseDetector, nlbFlappingDetector, PhaseTracker, propagationBacklogDetector, type Phase } from '../../chaos/experiments/phases.js';
import type { LabClient } from '../../chaos/lab-client.js';
import { AFTER_FAILOVER_OFF_H, awsPhaseHours, phaseIoU } from '../../chaos/report/incident.js';
import { StateChecks } from '../../services/droplet/state-checks.js';
import { Autoscaler, labAutoscaling } from '../../services/launcher/autoscaling.js';
import type { DropletHosts } from '../../services/launcher/droplet-hosts.js';
import { Dwfm } from '../../services/launcher/dwfm.js';
import { Ec2 } from '../../services/launcher/ec2-api.js';
import { NetworkManager } from '../../services/launcher/network-manager.js';
import { FakeKv } from '../../services/launcher/test-support.js';
import { AppEndpoint } from '../../services/nlb/app-endpoint.js';
import { HealthChecker } from '../../services/nlb/health-checks.js';
import type { Prober } from '../../services/nlb/probes.js';
import type { Target } from '../../services/nlb/targets.js';
import { inWorkers } from './workers.js';
import type { LauncherState } from '../../services/launcher/state.js';
import type { NlbState } from '../../services/nlb/state.js';

export type SimFix = 'enactor' | 'nlb-velocity' | 'propagation-throttle';

export interface CascadeSimOptions {
  clock: string;
  seed?: number;
  fixes?: SimFix[];
  /** AWS hours of quiet lab before the race fires, once the lab has settled (as `cascade-lab up` waits). */
  warmupH?: number;
  /** AWS hours simulated after the race (the event lasted 14h32m). */
  afterH?: number;
  /** kv request time in ms: by default the kv store's modeled latency at this clock, plus a 3 ms round trip. */
  kvMs?: number;
  /**
   * A spell of CPU starvation (AWS hours after the race): every kv request and state check takes `factor`
   * times as long, as when the machine running the lab is busy with something else.
   */
  stress?: { fromH: number; toH: number; factor: number };
}

export interface CustomerWindow {
  requests: number;
  success: number;
}

export interface CascadeSimResult {
  /** The lab clock, as LAB_CLOCK writes it. */
  clock: string;
  /** Phases in AWS hours after the race. */
  phases: { name: string; start: number; end: number }[];
  iou: Record<string, number | null>;
  /** Customer success by window: before the race, while the kv endpoint is empty, AWS's NLB window, overall after the race. */
  customers: { before: CustomerWindow; dnsEmpty: CustomerWindow; nlbWindow: CustomerWindow; afterFailoverOff: CustomerWindow; overall: CustomerWindow };
  /** One sample every 0.1 AWS hour after the race, for looking at a run. */
  trace: { h: number; leased: number; queue: number; backlog: number; oldestWaitH: number; inService: number; unconfigured: number; flaps: number; lateChecks: number; checkerWorkH: number; success: number; dns: string; app: string }[];
  maxRemovedPerRound: number;
  capacityBeforeMin: number;
}

/** The runbook as aws-2025-10-20 takes it, in AWS hours after the race. */
const RUNBOOK = { repairDns: 2 + 37 / 60, throttleAndRestart: 4 + 26 / 60, unthrottle: 5 + 40 / 60, failoverOff: 9 + 48 / 60, failoverOn: 14 + 21 / 60 };

/** The app endpoint's records in memory: what AppEndpoint publishes through the DNS server's API. */
class MemoryDns implements DnsApi {
  readonly store = new Map<string, RecordSet>();
  async change(changes: Change[]): Promise<unknown> {
    for (const c of changes) {
      const key = `${c.name}/${c.setId ?? ''}/${c.type}`;
      if (c.action === 'DELETE') this.store.delete(key);
      else this.store.set(key, { name: c.name, type: c.type, ttl: c.ttl, values: c.values, setId: c.setId, weight: c.weight });
    }
    return { applied: changes.length };
  }
  async records(query: { name?: string }): Promise<RecordSet[]> {
    return [...this.store.values()].filter((r) => !query.name || r.name === query.name);
  }
}

export async function runCascadeSim(opts: CascadeSimOptions): Promise<CascadeSimResult> {
  const labClock = LabClock.parse(opts.clock);
  const H = (hours: number) => labClock.hours(hours);
  const fixes = new Set(opts.fixes ?? []);
  const clock = new ManualClock(0);
  const random = new Random(opts.seed ?? 1);
  const events = new EventLog(10, () => clock.now());
  const lt = launcherTiming(labClock);
  const nt = nlbTiming(labClock);
  const st = scenarioTiming(labClock);
  const azs = ['az-a', 'az-b', 'az-c'];

  // kv: the kv store's modeled latency and a real round trip, as in Docker; its DNS is what the race empties.
  const kvMs = opts.kvMs ?? kvStoreTiming(labClock).SERVICE_TIME_MS + 3;
  const { STATE_CHECK_MS: checkMs, RENEW_CHECK_MS: renewCheckMs } = dropletTiming(labClock);
  const kv = new FakeKv(clock, kvMs, 0.02);
  const checks = Object.fromEntries(azs.map((az) => [az, new StateChecks({ durationMs: checkMs, renewDurationMs: renewCheckMs, concurrency: CASCADE.stateCheck.concurrency }, clock)]));
  const configured = new Set<string>();
  let nextPort = 20000;
  // A state check as the launcher's HTTP client makes it: given up after DROPLET_TIMEOUT_MS.
  const hosts: DropletHosts = {
    check: async (az, _id, signal, kind) => {
      const timeout = new AbortController();
      void clock.sleep(lt.DROPLET_TIMEOUT_MS, timeout.signal).then(() => timeout.abort(new Error('timeout')), () => undefined);
      try {
        await checks[az]!.run(signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal, kind);
      } finally {
        timeout.abort();
      }
    },
    create: async (az) => ({ host: `droplet-${az}`, port: nextPort++ }),
    configureNetwork: async (_az, id) => void configured.add(id),
    terminate: async (_az, id) => void configured.delete(id),
  };
  const dwfmRandom = random.fork();
  const dwfm = new Dwfm(
    {
      azs,
      dropletsPerAz: CASCADE.dwfm.droplets.perAz,
      leaseTtlMs: lt.LEASE_TTL_MS,
      leaseRenewMs: lt.LEASE_RENEW_MS,
      scanMs: lt.LEASE_SCAN_MS,
      workQueueLimit: CASCADE.dwfm.queue.limit,
      workConcurrency: CASCADE.dwfm.queue.workers,
      itemDeadlineMs: lt.ITEM_DEADLINE_MS,
      recoveryBatch: CASCADE.dwfm.queue.recoveryBatch,
      goodputWindowMs: lt.GOODPUT_WINDOW_MS,
      requeueJitterMs: lt.REQUEUE_JITTER_MS,
      renewJitter: CASCADE.dwfm.lease.renewJitter,
      random: () => dwfmRandom.next(),
    },
    kv,
    hosts,
    clock,
    events,
  );
  const network = new NetworkManager(
    { ratePerSecond: lt.NETWORK_RATE, burst: CASCADE.network.burst, fix: fixes.has('propagation-throttle'), admissionLimit: CASCADE.network.admissionLimit, samples: 200, maxAttempts: 5 },
    (item) => (item.kind === 'configure' ? hosts.configureNetwork(item.az, item.instanceId) : hosts.terminate(item.az, item.instanceId)),
    clock,
    events,
  );
  const ec2 = new Ec2({ azs, slotsPerDroplet: 4, keepTerminated: 200, drainMs: 0 }, dwfm, hosts, network, clock, random.fork(), events);
  const autoscaler = new Autoscaler(
    labAutoscaling({
      azs,
      intervalMs: lt.AUTOSCALING_INTERVAL_MS,
      appPerAz: CASCADE.autoscaling.app.perAz,
      othersPerAz: CASCADE.autoscaling.others.perAz,
      appMaxAgeMs: lt.MAX_INSTANCE_AGE_MS,
      othersMaxAgeMs: lt.OTHERS_MAX_AGE_MS,
    }),
    ec2,
    clock,
    events,
  );

  // The NLB's targets: the app fleet's instances once created; reachable when configured, else the drop share.
  const probeRandom = random.fork();
  const targets = {
    list: async (): Promise<Target[]> =>
      ec2
        .list({ group: 'app' })
        .filter((i) => (i.state === 'network-pending' || i.state === 'running') && i.host !== null && i.port !== null)
        .map((i) => ({ id: i.id, az: i.az, host: i.host!, port: i.port! })),
  };
  const reachable = (id: string) => configured.has(id) || probeRandom.next() >= CASCADE.instances.unconfiguredDrop;
  const prober: Prober = {
    target: async (t) => ec2.instances.get(t.id)?.state !== 'terminated' && reachable(t.id),
    node: async (peer) => ({ id: peer.id, address: `10.0.0.${azs.indexOf(peer.id) + 1}` }),
  };
  const endpoint = new AppEndpoint(new MemoryDns(), 'app.us-east-1.lab.internal', 2);
  const health = new HealthChecker(
    {
      intervalMs: nt.CHECK_INTERVAL_MS,
      timeoutMs: nt.CHECK_TIMEOUT_MS,
      failThreshold: CASCADE.nlb.failThreshold,
      passThreshold: CASCADE.nlb.passThreshold,
      costPerChangeMs: nt.CHECK_COST_PER_CHANGE_MS,
      azFailoverThreshold: CASCADE.nlb.azFailoverThreshold,
      fix: fixes.has('nlb-velocity'),
      maxRemoveFraction: CASCADE.nlb.maxRemoveFraction,
      velocityWindowMs: nt.VELOCITY_WINDOW_MS,
      nodes: azs.map((id) => ({ id, url: `http://nlb-${id}:8005` })),
    },
    targets,
    prober,
    endpoint,
    clock,
    events,
    silentLogger(),
  );

  // The phase detectors the runs use, on the mechanisms' own state.
  const lab = {
    stateOrNull: async () => ({ dwfm: dwfm.snapshot(), network: network.snapshot() }) as LauncherState,
    checkerState: async () => ({ isChecker: true, totals: health.totals, failoverEnabled: health.failoverEnabled }) as NlbState,
    lookup: async () => ({ rcode: 0, rcodeName: 'NOERROR', addresses: kv.dnsDown ? [] : ['10.0.0.1'], nodata: kv.dnsDown }),
  } as unknown as LabClient;
  const tracker = new PhaseTracker(
    [dnsEmptyDetector(lab, 'kv.us-east-1.lab.internal'), leaseCollapseDetector(lab), propagationBacklogDetector(lab, st), nlbFlappingDetector(lab, () => clock.now(), st)],
    clock,
    () => clock.now(),
    250,
    () => {},
    st.settleMs,
  );

  // Customers: the load over the nodes in DNS by weight, each node's capacity, the targets behind it. A
  // node keeps its connections to a target open between requests, so only the requests that need a new
  // connection to an unconfigured target meet its drops (about a quarter of them at the lab's load).
  const NEW_CONNECTION_SHARE = 0.25;
  const customer = () => {
    if (kv.dnsDown) return 0;
    const weights = Object.entries(endpoint.weights()).filter(([, w]) => w > 0);
    const total = weights.reduce((n, [, w]) => n + w, 0);
    if (total === 0) return 0;
    const load = CASCADE.customers.ratePerSecond;
    let ok = 0;
    for (const [az, w] of weights) {
      const share = (load * w) / total;
      const served = Math.min(share, CASCADE.customers.nodeCapacityPerSecond);
      const inService = health.inService(az);
      if (inService.length === 0) continue;
      const unconfigured = inService.filter((t) => !configured.has(t.id)).length;
      ok += served * (1 - (unconfigured * CASCADE.instances.unconfiguredDrop * NEW_CONNECTION_SHARE) / inService.length);
    }
    return ok / load;
  };

  void dwfm.run();
  void network.run();
  void autoscaler.run();
  void health.run();
  // Settled as `cascade-lab up` waits for it: every droplet leased, no launch or configuration pending,
  // every target in service; then a quiet spell before the race.
  const settled = () => {
    const counts = ec2.countByState();
    return dwfm.leasedCount() === dwfm.droplets.size && counts.pending + counts['network-pending'] === 0 && network.backlog === 0 && Object.values(autoscaler.missing()).every((n) => n === 0) && health.inService().length >= ec2.list({ group: 'app', state: 'running' }).length;
  };
  while (!settled() && clock.now() < H(20)) await clock.advance(H(0.05));
  const raceAt = clock.now() + H(opts.warmupH ?? 0.5);
  const endAt = raceAt + H(opts.afterH ?? 14.6);

  const windows = { before: { requests: 0, success: 0 }, dnsEmpty: { requests: 0, success: 0 }, nlbWindow: { requests: 0, success: 0 }, afterFailoverOff: { requests: 0, success: 0 }, overall: { requests: 0, success: 0 } };
  const nlbAws = awsPhaseHours('nlb-flapping')!;
  const trace: CascadeSimResult['trace'] = [];
  let maxRemovedPerRound = 0;
  let capacityBeforeMin = Infinity;
  const step = H(0.01);
  let tracking = false;
  const done = { repair: false, throttle: false, unthrottle: false, failoverOff: false, failoverOn: false };
  while (clock.now() < endAt) {
    await clock.advance(step);
    const now = clock.now();
    const h = (now - raceAt) / labClock.msPerAwsHour;
    if (!tracking && now >= raceAt - H(0.5)) {
      tracker.start();
      tracking = true;
    }
    if (opts.stress) {
      const f = h >= opts.stress.fromH && h < opts.stress.toH ? opts.stress.factor : 1;
      kv.baseMs = kvMs * f;
      for (const c of Object.values(checks)) Object.assign(c.opts, { durationMs: checkMs * f, renewDurationMs: renewCheckMs * f });
    }
    if (!kv.dnsDown && now >= raceAt && !done.repair && !fixes.has('enactor')) kv.dnsDown = true;
    // The runbook, taken only when needed, as the scenario's `when` conditions say.
    if (kv.dnsDown && h >= RUNBOOK.repairDns) {
      kv.dnsDown = false;
      done.repair = true;
    }
    const collapsed = dwfm.leasedCount() < 0.9 * dwfm.droplets.size;
    if (!done.throttle && h >= RUNBOOK.throttleAndRestart && done.repair && collapsed) {
      ec2.setThrottle(true, st.throttledLaunchesPerSecond);
      dwfm.restart();
      done.throttle = true;
    }
    if (!done.unthrottle && h >= RUNBOOK.unthrottle && ec2.throttleState.enabled) {
      ec2.setThrottle(false);
      done.unthrottle = true;
    }
    if (!done.failoverOff && h >= RUNBOOK.failoverOff && tracker.phases.some((p) => p.name === 'nlb-flapping')) {
      health.setFailover(false);
      done.failoverOff = true;
    }
    if (!done.failoverOn && h >= RUNBOOK.failoverOn && done.failoverOff) {
      health.setFailover(true);
      done.failoverOn = true;
    }
    const success = customer();
    const add = (w: CustomerWindow) => {
      w.requests += 1;
      w.success += success;
    };
    if (h < 0) add(windows.before);
    else {
      add(windows.overall);
      if (kv.dnsDown) add(windows.dnsEmpty);
      if (h >= nlbAws.start && h < nlbAws.end) add(windows.nlbWindow);
      if (h >= AFTER_FAILOVER_OFF_H && h < nlbAws.end) add(windows.afterFailoverOff);
    }
    const last = health.history.at(-1);
    if (last && h >= 0) {
      maxRemovedPerRound = Math.max(maxRemovedPerRound, last.capacityRemoved);
      capacityBeforeMin = Math.min(capacityBeforeMin, last.capacityBefore);
    }
    if (h >= 0 && Math.round(h * 100) % 10 === 0) {
      const net = network.latency();
      const inService = health.inService();
      trace.push({
        h: Math.round(h * 10) / 10,
        leased: dwfm.leasedCount(),
        queue: dwfm.queue.depth,
        backlog: network.backlog,
        oldestWaitH: Math.round((net.oldestWaitingMs / labClock.msPerAwsHour) * 100) / 100,
        inService: inService.length,
        unconfigured: inService.filter((x) => !configured.has(x.id)).length,
        flaps: health.totals.flaps,
        lateChecks: health.totals.lateChecks,
        checkerWorkH: Math.round(((health.history.at(-1)?.backlogMs ?? 0) / labClock.msPerAwsHour) * 100) / 100,
        success: Math.round(success * 1000) / 1000,
        dns: Object.entries(endpoint.weights()).map(([k, w]) => `${k}:${w}`).join(' '),
        app: azs.map((az) => {
          const apps = ec2.list({ group: 'app', az });
          return `${az}:${apps.filter((i) => i.state === 'running').length}r${apps.filter((i) => i.state === 'network-pending').length}p${apps.filter((i) => i.state === 'pending').length}l`;
        }).join(' '),
      });
    }
  }
  const phases: Phase[] = await tracker.stop();
  await Promise.all([dwfm.stop(), network.stop(), autoscaler.stop(), health.stop()]);
  const ious = phaseIoU(phases, raceAt, labClock.msPerAwsHour);
  return {
    clock: labClock.text,
    phases: phases.map((p) => ({ name: p.name, start: (p.start - raceAt) / labClock.msPerAwsHour, end: (p.end - raceAt) / labClock.msPerAwsHour })),
    iou: Object.fromEntries(Object.entries(ious).map(([k, v]) => [k, v.iou])),
    customers: windows,
    trace,
    maxRemovedPerRound,
    capacityBeforeMin,
  };
}

/** Several runs side by side, each in a worker thread of its own; the results in the order of `runs`. */
export const runCascadeSims = (runs: CascadeSimOptions[]) => inWorkers<CascadeSimOptions, CascadeSimResult>(import.meta.url, 'runCascadeSim', runs);

export const rate = (w: CustomerWindow) => (w.requests > 0 ? w.success / w.requests : null);
