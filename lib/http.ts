// The HTTP face every service shares: /healthz, /readyz, /metrics, /lab/state, /lab/events, bearer-token
// auth for anything that changes state, and one error format. Services add their own routes to the
// returned fastify instance; buildApp() never listens, so tests drive it with inject().
import { timingSafeEqual } from 'node:crypto';
import { Ajv } from 'ajv';
import Fastify, {
  LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { LabError, unauthorized } from './errors.js';
import type { EventLog } from './events.js';

export interface Readiness {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface LabAppOptions {
  service: string;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  /** Really exercises the service's dependencies (a Redis PING, a DNS query...). */
  ready: () => Promise<Readiness>;
  state: () => unknown | Promise<unknown>;
  bodyLimit?: number;
}

/** Runs each named probe of a dependency; ready when all of them answer. */
export async function readinessOf(probes: Record<string, () => Promise<unknown>>): Promise<Readiness> {
  const names = Object.keys(probes);
  const results = await Promise.all(
    names.map((name) =>
      probes[name]!().then(
        () => ({ ok: true }),
        (err: Error) => ({ ok: false, detail: err.message }),
      ),
    ),
  );
  const checks = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  return { ok: results.every((r) => r.ok), checks };
}

export type AdminGuard = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: AdminGuard;
  }
}

export function createLabApp(opts: LabAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
  });
  // Bodies are checked strictly (a number is not a string); query strings and params arrive as text and
  // are coerced to the schema's types.
  const strict = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
  const coercing = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));

  const expected = Buffer.from(opts.adminToken);
  const requireAdmin: AdminGuard = async (req) => {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized();
  };
  app.decorate('requireAdmin', requireAdmin);

  app.setErrorHandler((err: unknown, req, reply) => {
    if (err instanceof LabError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    const e = err as { validation?: unknown; statusCode?: number; code?: string; message?: string };
    if (e.validation) {
      return reply.status(400).send({ error: { code: 'LAB_ERR_BAD_REQUEST', message: e.message } });
    }
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'request failed');
    return reply
      .status(status)
      .send({ error: { code: status === 500 ? 'LAB_ERR_INTERNAL' : (e.code ?? 'LAB_ERR_BAD_REQUEST'), message: e.message ?? 'error' } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'LAB_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url}` } }),
  );

  app.get('/healthz', async () => ({ ok: true, service: opts.service }));
  app.get('/readyz', async (_req, reply) => {
    const result = await opts.ready().catch((err: Error) => ({ ok: false, checks: { ready: { ok: false, detail: err.message } } }));
    return reply.status(result.ok ? 200 : 503).send({ service: opts.service, ...result });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(body);
  });
  app.get('/lab/state', async () => ({ service: opts.service, time: Date.now(), state: await opts.state() }));
  app.get<{ Querystring: { since?: number; limit?: number } }>(
    '/lab/events',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { since: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 5000 } },
          additionalProperties: false,
        },
      },
    },
    async (req) => ({ service: opts.service, ...opts.events.since(req.query.since ?? 0, req.query.limit) }),
  );
  return app;
}
