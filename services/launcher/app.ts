// launcher HTTP face: the launch API, the operator's runbook actions and the standard lab endpoints.
//   POST   /v1/instances {az, count}            launch (admin)   200 {instances}; 400/401/429/503
//   GET    /v1/instances?state=&az=             list
//   GET    /v1/instances/:id                    one instance; 404
//   DELETE /v1/instances/:id                    terminate (admin) 200 {instance}; 404
//   GET    /v1/droplets?az=                     droplets with lease and slot state
//   POST   /v1/operator/throttle {enabled, launchesPerSecond?}   (admin)
//   POST   /v1/operator/restart-dwfm {}         (admin) clears DWFM's queue, re-establishes in batches
import { z } from 'zod';
import { emptyBody } from '../../lib/contract.js';
import { createLabApp, type LabApp } from '../../lib/http.js';
import type { ClockedView } from '../../lib/timing.js';
import { instanceSchema, launcherStateSchema } from './state.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import { counterFrom, Gauge, snakeCase, type Registry } from '../../lib/metrics.js';
import type { Autoscaler } from './autoscaling.js';
import type { Dwfm } from './dwfm.js';
import { INSTANCE_STATES, instanceNotFound, type Ec2 } from './ec2-api.js';
import type { NetworkManager } from './network-manager.js';

export interface LauncherDeps {
  dwfm: Dwfm;
  ec2: Ec2;
  network: NetworkManager;
  autoscaler: Autoscaler | null;
  azs: string[];
  /** Resolves the kv endpoint and reads an item through it. */
  probeKv: () => Promise<unknown>;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  /** The time settings, which follow the lab clock (PUT /lab/clock). */
  timing?: ClockedView;
}

const az = z.string().min(1).max(32);
const idParams = z.object({ id: z.string().regex(/^i-[0-9a-f]{1,32}$/, 'expected an instance id like i-0abc') });

export function buildApp(deps: LauncherDeps): LabApp {
  const { dwfm, ec2, network } = deps;
  registerMetrics(deps);

  const app = createLabApp({
    service: 'launcher',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: async () => {
      const kv = await deps.probeKv().then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, detail: err.message }),
      );
      return { ok: kv.ok, checks: { kv } };
    },
    timing: deps.timing,
    // Read at every turn of the network manager's admission.
    fix: { name: 'propagation-throttle', on: () => network.opts.fix, set: (on) => void (network.opts.fix = on) },
    stateSchema: launcherStateSchema,
    state: () => ({
      dwfm: dwfm.snapshot(),
      network: network.snapshot(),
      instances: ec2.countByState(),
      ec2: ec2.stats,
      throttle: ec2.throttleState,
      autoscaling: deps.autoscaler?.snapshot() ?? null,
      fixes: { propagationThrottle: network.snapshot().fix },
    }),
  });

  app.post(
    '/v1/instances',
    { onRequest: app.requireAdmin, schema: { body: z.object({ az, count: z.number().int().min(1).max(100).default(1), group: z.string().min(1).max(32).default('app') }).strict() } },
    async (req) => ({ instances: ec2.launch(req.body.az, req.body.count, req.body.group) }),
  );

  app.get(
    '/v1/instances',
    { schema: { querystring: z.object({ state: z.enum(INSTANCE_STATES).optional(), az: az.optional(), group: z.string().min(1).max(32).optional() }).strict(), response: { 200: z.object({ instances: z.array(instanceSchema) }) } } },
    async (req) => ({ instances: ec2.list(req.query) }),
  );

  app.get('/v1/instances/:id', { schema: { params: idParams } }, async (req) => {
    const instance = ec2.instances.get(req.params.id);
    if (!instance) throw instanceNotFound(req.params.id);
    return instance;
  });
  app.delete('/v1/instances/:id', { onRequest: app.requireAdmin, schema: { params: idParams } }, async (req) => ({
    instance: ec2.terminate(req.params.id),
  }));

  app.get(
    '/v1/droplets',
    { schema: { querystring: z.object({ az: az.optional() }).strict() } },
    async (req) => ({
      droplets: [...dwfm.droplets.values()]
        .filter((d) => !req.query.az || d.az === req.query.az)
        .map((d) => ({ id: d.id, az: d.az, leased: dwfm.isLeased(d), lease: d.lease, freeSlots: ec2.freeSlots(d) })),
    }),
  );

  app.post(
    '/v1/operator/throttle',
    { onRequest: app.requireAdmin, schema: { body: z.object({ enabled: z.boolean(), launchesPerSecond: z.number().positive().max(100000).optional() }).strict() } },
    async (req) => ({ throttle: ec2.setThrottle(req.body.enabled, req.body.launchesPerSecond) }),
  );

  app.post('/v1/operator/restart-dwfm', { onRequest: app.requireAdmin, schema: { body: emptyBody } }, async () => ({ cleared: dwfm.restart(), recovering: dwfm.recovering }));

  return app;
}

function registerMetrics({ dwfm, ec2, network, azs, registry }: LauncherDeps): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  new Gauge({
    name: 'launcher_droplets_leased',
    help: 'droplets holding a valid DWFM lease, by AZ',
    labelNames: ['az'],
    registers: [registry],
    collect() {
      for (const az of azs) this.set({ az }, dwfm.leasedCount(az));
    },
  });
  gauge('launcher_dwfm_queue_depth', 'DWFM work items admitted and not finished', () => dwfm.queue.depth);
  gauge('launcher_dwfm_steps_in_flight', 'DWFM steps being run by a worker', () => dwfm.queue.inFlight);
  gauge('launcher_dwfm_goodput', 'DWFM lease items completed per second (goodput window)', () => dwfm.queue.goodput());
  const counter = (name: string, help: string, read: () => number) => counterFrom(registry, { name, help }, read);
  counter('launcher_dwfm_timeouts_total', 'DWFM items that missed their deadline', () => dwfm.queue.stats.timeouts);
  counter('launcher_dwfm_requeues_total', 'DWFM items queued again after a timeout', () => dwfm.queue.stats.requeues);
  counter('launcher_dwfm_wasted_steps_total', 'DWFM steps whose item had timed out', () => dwfm.queue.stats.wastedSteps);
  gauge('launcher_dwfm_recovering', '1 while leases are established in batches', () => (dwfm.recovering ? 1 : 0));
  gauge('launcher_network_backlog', 'network configuration work waiting or in flight', () => network.backlog);
  gauge('launcher_network_propagation_p50_ms', 'propagation latency p50 over recent deliveries', () => network.latency().p50);
  gauge('launcher_network_propagation_p99_ms', 'propagation latency p99 over recent deliveries', () => network.latency().p99);
  gauge('launcher_network_oldest_waiting_ms', 'age of the oldest waiting network work', () => network.latency().oldestWaitingMs);
  gauge('launcher_throttle_enabled', '1 while the operator throttle is on', () => (ec2.throttleState.enabled ? 1 : 0));
  new Gauge({
    name: 'launcher_instances',
    help: 'instances by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const counts = ec2.countByState();
      for (const state of INSTANCE_STATES) this.set({ state }, counts[state]);
    },
  });
  for (const key of ['insufficientCapacity', 'throttled', 'launched'] as const) {
    counter(`launcher_launch_${snakeCase(key)}_total`, `launches: ${key}`, () => ec2.stats[key]);
  }
}
