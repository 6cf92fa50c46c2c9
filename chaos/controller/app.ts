// The controller's HTTP face on :8080, the lab's front door for the CLI and the dashboard: status of
// every service, their state and events, service hooks, container and service faults with their leases,
// and the operator's repair actions.
import type { FastifyInstance } from 'fastify';
import { badRequest, LabError, notFound } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { createLabApp, readinessOf } from '../../lib/http.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import type { HeldFaults } from '../faults/held-faults.js';
import { dashboardHtml } from './dashboard.js';
import { registerFaultRoutes } from './fault-routes.js';
import type { ServiceDirectory } from './services.js';

export interface ControllerDeps {
  canary: { counts: unknown };
  directory: ServiceDirectory;
  repairs: Record<string, () => Promise<unknown>>;
  pingRedis: () => Promise<unknown>;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  /** Container and service faults and their leases (fault-routes.ts). */
  faults: HeldFaults;
}

const HOOKS = ['pause', 'resume'] as const;

export function buildApp(deps: ControllerDeps): FastifyInstance {
  const { directory } = deps;
  const service = (name: string) => {
    const ref = directory.find(name);
    if (!ref) throw notFound(`no lab service ${JSON.stringify(name)}; known: ${directory.services.map((s) => s.name).join(', ')}`);
    return ref;
  };

  const app = createLabApp({
    service: 'controller',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () => readinessOf({ redis: deps.pingRedis }),
    state: async () => ({ services: directory.services.map((s) => s.name), customer: deps.canary.counts }),
  });

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(dashboardHtml()));

  app.get('/api/status', async () => {
    const services = await directory.statusAll();
    const dnsServer = directory.find('dns-server');
    const dns = dnsServer ? await directory.get(dnsServer, '/lab/state').then((r) => (r.body as { state?: unknown })?.state ?? null, () => null) : null;
    return { time: Date.now(), ready: services.every((s) => s.ready), services, dns, customer: deps.canary.counts };
  });

  app.get<{ Params: { name: string } }>('/api/services/:name/state', async (req, reply) => {
    const res = await directory.get(service(req.params.name), '/lab/state');
    return reply.status(res.status).send(res.body);
  });

  app.get<{ Params: { name: string }; Querystring: { since?: number } }>(
    '/api/services/:name/events',
    { schema: { querystring: { type: 'object', properties: { since: { type: 'integer', minimum: 0 } }, additionalProperties: false } } },
    async (req, reply) => {
      const res = await directory.get(service(req.params.name), `/lab/events?since=${req.query.since ?? 0}`);
      return reply.status(res.status).send(res.body);
    },
  );

  app.post<{ Params: { name: string; hook: string } }>('/api/services/:name/hooks/:hook', { onRequest: app.requireAdmin }, async (req, reply) => {
    if (!(HOOKS as readonly string[]).includes(req.params.hook)) throw badRequest(`unknown hook ${JSON.stringify(req.params.hook)}; known: ${HOOKS.join(', ')}`);
    const res = await directory.post(service(req.params.name), `/v1/${req.params.hook}`);
    deps.events.emit('hook', { service: req.params.name, hook: req.params.hook, status: res.status });
    return reply.status(res.status).send(res.body);
  });

  app.post<{ Body: { action: string } }>(
    '/api/repair',
    {
      onRequest: app.requireAdmin,
      schema: { body: { type: 'object', required: ['action'], additionalProperties: false, properties: { action: { type: 'string', minLength: 1 } } } },
    },
    async (req) => {
      const repair = deps.repairs[req.body.action];
      if (!repair) throw badRequest(`unknown repair action ${JSON.stringify(req.body.action)}; known: ${Object.keys(deps.repairs).join(', ')}`);
      try {
        const result = await repair();
        deps.events.emit('repair', { action: req.body.action, result });
        return result;
      } catch (err) {
        throw new LabError('LAB_ERR_REPAIR_FAILED', 502, `repair ${req.body.action} failed: ${(err as Error).message}`);
      }
    },
  );
  registerFaultRoutes(app, deps.faults);
  return app;
}
