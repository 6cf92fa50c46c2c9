// The controller's HTTP face on :8080, the lab's front door for the CLI and the dashboard: status of
// every service, the topology, their state and events, service hooks, faults with their leases, the
// operator's repair actions, the runs it hosts, the emergency stop, the timeline, the live stream and
// the dashboard's page, and a game day's: the facilitator's (chaos/gameday/gameday-routes.ts) and the
// responders' (responder-routes.ts). Every route's schemas are in contract.ts.
//
// Three kinds of caller: the admin token (the facilitator, the CLI, runs), a game day's responders'
// token (their own API only: 403 anywhere else that needs a token), and no token (reads only; while a
// game goes on, not even the reads that would give it away: faults, runs, the timeline, the stream).
import { clockBodySchema, eventsPageSchema, eventsQuerySchema, stateEnvelope } from '../../lib/contract.js';
import { badRequest, LabError, notFound } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { createLabApp, readinessOf, type AdminGuard, type LabApp } from '../../lib/http.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import { dnsServerStateSchema } from '../../services/dns-server/state.js';
import { z } from 'zod';
import type { HeldFaults } from '../faults/held-faults.js';
import type { GameManager } from '../gameday/game.js';
import { registerGamedayRoutes } from '../gameday/gameday-routes.js';
import { registerResponderRoutes } from '../gameday/responder-routes.js';
import type { ContainerLogs } from './container-logs.js';
import {
  emergencyStopSchema,
  fixesBodySchema,
  fixesStatusSchema,
  hookParams,
  labClockStatusSchema,
  labStatusSchema,
  repairRequestSchema,
  repairResultSchema,
  runbookSchema,
  serviceParams,
  topologySchema,
  type EmergencyStopResult,
} from './contract.js';
import { registerDashboard } from './dashboard.js';
import { fixesStatus, switchFixes } from './fixes.js';
import { registerFaultRoutes, type FaultLinks } from './fault-routes.js';
import { registerLiveRoutes, type LiveFeed } from './live.js';
import { registerRunRoutes } from './run-routes.js';
import type { RunManager } from './runs.js';
import type { LabClockKeeper } from './lab-clock.js';
import { RUNBOOK_HELP } from './runbook.js';
import type { ServiceDirectory } from './services.js';
import { registerTimelineRoutes, type Timeline } from './timeline.js';
import { controllerStateSchema, type CanaryCounts } from './state.js';

export interface ControllerDeps {
  canary: { counts: CanaryCounts };
  directory: ServiceDirectory;
  repairs: Record<string, () => Promise<unknown>>;
  pingRedis: () => Promise<unknown>;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  /** The faults the controller holds and their leases (fault-routes.ts). */
  faults: HeldFaults;
  /** The fault proxy's links, the targets of toxics. */
  links: FaultLinks;
  timeline: Timeline;
  live: LiveFeed;
  runs: RunManager;
  labClock: LabClockKeeper;
  emergencyStop(): Promise<EmergencyStopResult>;
  games: GameManager;
  /** The services' log lines, for the responders. */
  logs: ContainerLogs;
  /** The lab's DNS server, for the responders' lookups. */
  dns: { host: string; port: number };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads anyone may make, except while a game day goes on: then the admin token only (401 without, 403 with the responders'). */
    facilitatorRead: AdminGuard;
  }
}

const dnsEnvelope = stateEnvelope(dnsServerStateSchema);
const anyState = stateEnvelope(z.unknown());

export function buildApp(deps: ControllerDeps): LabApp {
  const { directory } = deps;
  const service = async (name: string) => {
    const topology = await directory.topology();
    const ref = topology.find(name);
    if (!ref) throw notFound(`no lab service ${JSON.stringify(name)}; known: ${topology.services.map((s) => s.name).join(', ')}`);
    return ref;
  };

  const app = createLabApp({
    service: 'controller',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () => readinessOf({ redis: deps.pingRedis }),
    stateSchema: controllerStateSchema,
    state: async () => ({ services: (await directory.topology()).services.map((s) => s.name), customer: deps.canary.counts }),
    lesserToken: (token) => deps.games.isResponders(token),
  });
  app.decorate('facilitatorRead', async (req, reply) => {
    if (deps.games.on) await app.requireAdmin(req, reply);
  });

  registerDashboard(app);

  /** The lab clock: every timed service's, and a new one for the whole lab (lab-clock.ts). */
  app.get('/api/clock', { schema: { response: { 200: labClockStatusSchema } } }, async () => deps.labClock.status());
  app.put('/api/clock', { onRequest: app.requireAdmin, schema: { body: clockBodySchema, response: { 200: labClockStatusSchema } } }, async (req) =>
    deps.labClock.set(req.body.clock),
  );

  /** Amazon's remediations as switches of the running lab (fixes.ts). */
  app.get('/api/fixes', { schema: { response: { 200: fixesStatusSchema } } }, async () => fixesStatus(directory));
  app.put('/api/fixes', { onRequest: app.requireAdmin, schema: { body: fixesBodySchema, response: { 200: fixesStatusSchema } } }, async (req) =>
    switchFixes(directory, req.body.fixes, deps.events),
  );

  /** 200 with the admin token, 401 without: how the page tells the facilitator whether the token is right. */
  app.get('/api/admin', { onRequest: app.requireAdmin }, async () => ({ ok: true }));

  app.get('/api/status', { schema: { response: { 200: labStatusSchema } } }, async () => {
    const topology = await directory.topology();
    const services = await directory.statusAll();
    const dnsServer = topology.ofKind('dns-server')[0];
    const dns = dnsServer
      ? await directory.get(dnsServer, '/lab/state').then(
          (r) => dnsEnvelope.safeParse(r.body).data?.state ?? null,
          () => null,
        )
      : null;
    return { time: Date.now(), ready: services.every((s) => s.ready), services, dns, customer: deps.canary.counts };
  });

  app.get('/api/topology', { schema: { response: { 200: topologySchema } } }, async () => (await directory.topology()).toJSON());

  // A service's own answer, passed through; the client parses it with the service kind's schema.
  app.get('/api/services/:name/state', { onRequest: app.facilitatorRead, schema: { params: serviceParams } }, async (req, reply) => {
    const res = await directory.get(await service(req.params.name), '/lab/state');
    if (res.status === 200 && !anyState.safeParse(res.body).success) throw new LabError('LAB_ERR_CONTRACT', 502, `${req.params.name} answered /lab/state outside its contract`);
    return reply.status(res.status).send(res.body);
  });

  app.get('/api/services/:name/events', { onRequest: app.facilitatorRead, schema: { params: serviceParams, querystring: eventsQuerySchema.pick({ since: true }) } }, async (req, reply) => {
    const res = await directory.get(await service(req.params.name), `/lab/events?since=${req.query.since ?? 0}`);
    if (res.status === 200 && !eventsPageSchema.safeParse(res.body).success) throw new LabError('LAB_ERR_CONTRACT', 502, `${req.params.name} answered /lab/events outside its contract`);
    return reply.status(res.status).send(res.body);
  });

  app.post('/api/services/:name/hooks/:hook', { onRequest: app.requireAdmin, schema: { params: hookParams } }, async (req, reply) => {
    const res = await directory.post(await service(req.params.name), `/v1/${req.params.hook}`);
    deps.events.emit('hook', { service: req.params.name, hook: req.params.hook, status: res.status });
    return reply.status(res.status).send(res.body);
  });

  // During a game day the facilitator's runbook actions are journaled too (game.ts hears the 'repair' event).
  app.post('/api/repair', { onRequest: app.requireAdmin, schema: { body: repairRequestSchema, response: { 200: repairResultSchema } } }, async (req) => {
    const repair = deps.repairs[req.body.action];
    if (!repair) throw badRequest(`unknown repair action ${JSON.stringify(req.body.action)}; known: ${Object.keys(deps.repairs).join(', ')}`);
    try {
      const result = (await repair()) as Record<string, unknown>;
      deps.events.emit('repair', { action: req.body.action, result });
      return result;
    } catch (err) {
      throw new LabError('LAB_ERR_REPAIR_FAILED', 502, `repair ${req.body.action} failed: ${(err as Error).message}`);
    }
  });
  app.get('/api/runbook', { schema: { response: { 200: runbookSchema } } }, async () =>
    Object.keys(deps.repairs).map((action) => ({ action, help: RUNBOOK_HELP[action] ?? action })),
  );

  /** Ends the run at once and removes every fault of the lab (emergency-stop.ts). */
  app.post('/api/emergency-stop', { onRequest: app.requireAdmin, schema: { response: { 200: emergencyStopSchema } } }, async () => deps.emergencyStop());

  registerFaultRoutes(app, deps.faults, directory, deps.links);
  registerRunRoutes(app, deps.runs);
  registerTimelineRoutes(app, deps.timeline);
  registerLiveRoutes(app, deps.live);
  registerGamedayRoutes(app, deps.games);
  registerResponderRoutes(app, { games: deps.games, live: deps.live, directory, logs: deps.logs, dns: deps.dns, repairs: deps.repairs });
  return app;
}
