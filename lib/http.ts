// The HTTP face every service shares: /healthz, /readyz, /metrics, /lab/state, /lab/events, bearer-token
// auth for anything that changes state, and one error format. Services add their own routes to the
// returned fastify instance; buildApp() never listens, so tests drive it with inject().
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, {
  LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { clockBodySchema, clockStateSchema, eventsPageSchema, eventsQuerySchema, fixBodySchema, fixStateSchema, healthzSchema, readyzSchema, stateEnvelope, type Fix, type Readiness } from './contract.js';
import { badRequest, forbidden, LabError, unauthorized } from './errors.js';
import { LabClock } from './lab-clock.js';
import type { ClockedView } from './timing.js';
import type { EventLog } from './events.js';

export type { Readiness };

/** A lab service's fastify instance: every route's request and response types come from its zod schemas. */
export type LabApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse<IncomingMessage>, FastifyBaseLogger, ZodTypeProvider>;

export interface LabAppOptions<S extends z.ZodType> {
  service: string;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  /** Really exercises the service's dependencies (a Redis PING, a DNS query...). */
  ready: () => Promise<Readiness>;
  /** The service's /lab/state contract (services/<name>/state.ts); the snapshot is checked against it. */
  stateSchema: S;
  state: () => z.output<S> | Promise<z.output<S>>;
  /** A service whose time settings follow the lab clock: GET and PUT /lab/clock, and the clock in /lab/state. */
  timing?: ClockedView;
  /**
   * A service that implements one of Amazon's remediations: GET and PUT /lab/fix read and switch it while
   * the service runs (its FIX_ variable sets it at start).
   */
  fix?: { name: Fix; on(): boolean; set(on: boolean): void };
  /**
   * A token that is known but is not the admin's (a game day's responders' token, at the controller):
   * an admin route answers it 403 instead of 401.
   */
  lesserToken?: (token: Buffer) => boolean;
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

export function createLabApp<S extends z.ZodType>(opts: LabAppOptions<S>): LabApp {
  const app = Fastify({
    loggerInstance: opts.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  // Requests are checked, and responses serialised, through each route's zod schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const expected = Buffer.from(opts.adminToken);
  const requireAdmin: AdminGuard = async (req) => {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
    if (given.length && opts.lesserToken?.(given)) throw forbidden('this token cannot do that: it is the responders\' token, and this is for the facilitator (the admin token)');
    throw unauthorized();
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

  app.get('/healthz', { schema: { response: { 200: healthzSchema } } }, async () => ({ ok: true as const, service: opts.service }));
  app.get('/readyz', { schema: { response: { 200: readyzSchema, 503: readyzSchema } } }, async (_req, reply) => {
    const result = await opts.ready().catch((err: Error) => ({ ok: false, checks: { ready: { ok: false, detail: err.message } } }));
    return reply.status(result.ok ? 200 : 503).send({ service: opts.service, ...result });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(body);
  });
  // The snapshot's type is checked against the schema by LabAppOptions.state; at run time the serializer checks it again.
  const stateResponse: z.ZodType = stateEnvelope(opts.stateSchema);
  app.get('/lab/state', { schema: { response: { 200: stateResponse } } }, async () => ({
    service: opts.service,
    time: Date.now(),
    ...(opts.timing ? { clock: opts.timing.clock.text } : {}),
    state: await opts.state(),
  }));
  const timing = opts.timing;
  if (timing) {
    const clockState = () => ({ clock: timing.clock.text, settings: { ...timing.values }, overridden: Object.keys(timing.overrides) });
    app.get('/lab/clock', { schema: { response: { 200: clockStateSchema } } }, async () => clockState());
    app.put('/lab/clock', { onRequest: app.requireAdmin, schema: { body: clockBodySchema, response: { 200: clockStateSchema } } }, async (req) => {
      let clock: LabClock;
      try {
        clock = LabClock.parse(req.body.clock);
      } catch (err) {
        throw badRequest(`clock: ${(err as Error).message}`);
      }
      const before = timing.clock.text;
      timing.setClock(clock);
      if (clock.text !== before) opts.events.emit('clock-changed', { from: before, to: clock.text });
      return clockState();
    });
  }
  const fix = opts.fix;
  if (fix) {
    const fixState = () => ({ fix: fix.name, on: fix.on() });
    app.get('/lab/fix', { schema: { response: { 200: fixStateSchema } } }, async () => fixState());
    app.put('/lab/fix', { onRequest: app.requireAdmin, schema: { body: fixBodySchema, response: { 200: fixStateSchema } } }, async (req) => {
      const before = fix.on();
      fix.set(req.body.on);
      if (req.body.on !== before) opts.events.emit('fix-switched', { fix: fix.name, on: req.body.on });
      return fixState();
    });
  }
  app.get('/lab/events', { schema: { querystring: eventsQuerySchema, response: { 200: eventsPageSchema } } }, async (req) => ({
    service: opts.service,
    ...opts.events.since(req.query.since ?? 0, req.query.limit),
  }));
  return app;
}
