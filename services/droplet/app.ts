// droplet HTTP face (admin port): the standard lab endpoints plus the API the launcher drives, i.e. the
// contract between the EC2 control plane and a droplet host:
//   POST   /v1/instances              {id, dropletId} -> 201 {id, port}   (reserved, not reachable yet)
//   POST   /v1/instances/:id/network  {}              -> 200             (listener opens; idempotent)
//   DELETE /v1/instances/:id                          -> 200             (listener closed, port freed)
//   GET    /v1/droplets/:dropletId/check[?kind=renew] -> 200 {ok, instances}   (DWFM state check)
//   GET    /v1/instances[?state=&dropletId=]          -> 200 [{id, dropletId, port, state, ...}]
import { z } from 'zod';
import { CHECK_KINDS, emptyBody } from '../../lib/contract.js';
import { createLabApp, type LabApp } from '../../lib/http.js';
import { DROPLET_INSTANCE_STATES, dropletStateSchema } from './state.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import type { AppStats } from './customer-app.js';
import type { Instance, InstanceHost } from './instances.js';
import type { StateChecks } from './state-checks.js';
import type { ClockedView } from '../../lib/timing.js';

export interface DropletDeps {
  /** The host's name, e.g. droplet-az-a. */
  hostId: string;
  az: string;
  host: InstanceHost;
  /** DWFM's state checks: each takes its time, a few at once (state-checks.ts). */
  checks: StateChecks;
  appStats: AppStats;
  /** The time settings, which follow the lab clock (PUT /lab/clock). */
  timing?: ClockedView;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
}

const instanceId = z.string().min(3).max(64).regex(/^i-[A-Za-z0-9-]+$/, 'expected an instance id like i-0abc');
// The launcher names droplets az-a-d001; the brief's example was d-az-a-007: any plain name is accepted.
const dropletId = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'expected a droplet id like az-a-d001');
const idParams = z.object({ id: instanceId });

const view = (i: Instance) => ({
  id: i.id,
  dropletId: i.dropletId,
  port: i.port,
  state: i.state,
  createdAt: i.createdAt,
  servingAt: i.servingAt,
  terminatedAt: i.terminatedAt,
});

export function buildApp(deps: DropletDeps): LabApp {
  const { host } = deps;
  const app = createLabApp({
    service: `droplet/${deps.hostId}`,
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: async () => {
      const bind = await host.canBind();
      return { ok: bind, checks: { instancePorts: { ok: bind, detail: bind ? 'an instance port can be bound' : 'no instance port can be bound' } } };
    },
    timing: deps.timing,
    stateSchema: dropletStateSchema,
    state: () => {
      const byState = { created: [] as string[], serving: [] as string[], terminated: [] as string[] };
      for (const i of host.list()) byState[i.state].push(i.id);
      return { host: deps.hostId, az: deps.az, counts: host.counts(), instances: byState, app: deps.appStats, stateChecks: deps.checks.snapshot() };
    },
  });

  app.post(
    '/v1/instances',
    { onRequest: app.requireAdmin, schema: { body: z.object({ id: instanceId, dropletId }).strict() } },
    async (req, reply) => {
      const instance = await host.create(req.body.id, req.body.dropletId);
      return reply.status(201).send({ id: instance.id, port: instance.port });
    },
  );

  app.post(
    '/v1/instances/:id/network',
    // The body is optional ({} or nothing); anything else is refused.
    { onRequest: app.requireAdmin, schema: { params: idParams, body: emptyBody } },
    async (req) => view(await host.configureNetwork(req.params.id)),
  );

  app.delete(
    '/v1/instances/:id',
    { onRequest: app.requireAdmin, schema: { params: idParams } },
    async (req) => view(await host.terminate(req.params.id)),
  );

  app.get(
    '/v1/droplets/:dropletId/check',
    { schema: { params: z.object({ dropletId }), querystring: z.object({ kind: z.enum(CHECK_KINDS).default('establish') }).strict() } },
    async (req, reply) => {
      // A caller that hung up (its deadline passed) takes its check out of the line.
      const gone = new AbortController();
      reply.raw.once('close', () => reply.raw.writableFinished || gone.abort(new Error('caller gone')));
      await deps.checks.run(gone.signal, req.query.kind);
      const running = host.list({ dropletId: req.params.dropletId }).filter((i) => i.state !== 'terminated');
      return { ok: true, dropletId: req.params.dropletId, host: deps.hostId, instances: running.length };
    },
  );

  app.get(
    '/v1/instances',
    { schema: { querystring: z.object({ state: z.enum(DROPLET_INSTANCE_STATES).optional(), dropletId: dropletId.optional() }).strict() } },
    async (req) => host.list(req.query).map(view),
  );

  return app;
}
