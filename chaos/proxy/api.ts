// The fault-proxy's HTTP API: the lab's shared routes (/healthz, /readyz, /metrics, /lab/state,
// /lab/events) plus Toxiproxy's API, same paths, JSON shapes and status codes, so Toxiproxy clients
// drive it unchanged. buildApp() never listens.
//
// Toxiproxy clients send no bearer token, so the Toxiproxy routes are unauthenticated (the lab publishes
// :8474 on 127.0.0.1 only). As Toxiproxy does, they refuse browsers (User-Agent "Mozilla/...") so a web
// page cannot drive them cross-site. Every body is still validated: 400 with a message, never a crash.
import type { FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LabError } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { createLabApp, type LabApp } from '../../lib/http.js';
import { holderSchema, leaseTtlSchema } from '../../lib/contract.js';
import { faultProxyStateSchema } from './state.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import { parseHostPort } from '../../lib/host-port.js';
import { PopulateError, type ProxyCollection } from './collection.js';
import { badRequestBody, invalidStream, missingField } from './errors.js';
import type { Stream } from './toxic.js';

import { noSuchLease, type FaultLeases } from './leases.js';

export const FAULT_PROXY_VERSION = '0.1.0';

export interface ApiDeps {
  collection: ProxyCollection;
  leases?: FaultLeases;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
  version?: string;
}

const MISSING = 'missing required field';
const required = z.string({ error: MISSING }).min(1, MISSING);
const address = z.string({ error: 'expected a string' }).refine((v) => typeof parseHostPort(v) !== 'string', { error: 'expected host:port' });
const enabled = z.boolean({ error: 'expected true or false' });
const toxicity = z.number({ error: 'expected a number' }).min(0, 'expected 0..1').max(1, 'expected 0..1');
const attributes = z.record(z.string(), z.unknown(), { error: 'expected an object' });
/** Beyond Toxiproxy: "udp" proxies datagrams; left out it is "tcp", so Toxiproxy clients get TCP. */
const protocol = z.enum(['tcp', 'udp'], { error: 'expected "tcp" or "udp"' });

// Unknown fields are ignored, as Toxiproxy's JSON decoding does (clients send whole objects back).
const proxyCreate = z.object({
  name: required,
  upstream: required.pipe(address),
  // Toxiproxy binds a random port on every interface when listen is left out.
  listen: address.optional(),
  enabled: enabled.optional(),
  protocol: protocol.optional(),
});
const proxyUpdate = z.object({ listen: address.optional(), upstream: address.optional(), enabled: enabled.optional(), protocol: protocol.optional() });
const toxicCreate = z.object({
  name: z.string({ error: 'expected a string' }).optional(),
  type: z.string({ error: 'expected a string' }).default(''),
  stream: z.string({ error: 'expected a string' }).default('downstream'),
  toxicity: toxicity.default(1),
  attributes: attributes.default({}),
});
const toxicUpdate = z.object({ toxicity: toxicity.optional(), attributes: attributes.optional() });

/** `where` names the item in a list, as Toxiproxy does: "missing required field: upstream at proxy 2". */
function parse<S extends z.ZodType>(schema: S, raw: unknown, where = ''): z.infer<S> {
  if (raw === undefined || raw === null) throw badRequestBody(`expected a JSON body${where}`);
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  const message = issue?.message ?? 'invalid';
  if (message === MISSING) throw missingField(path + where);
  throw badRequestBody(`${path ? `${path}: ` : ''}${message}${where}`);
}

function parseStream(value: string): Stream {
  const s = value.toLowerCase();
  if (s !== 'upstream' && s !== 'downstream') throw invalidStream();
  return s;
}

/** The one place a fault-proxy error is written out, in Toxiproxy's shape. */
function sendError(reply: FastifyReply, err: LabError, extra: Record<string, unknown> = {}) {
  return reply.status(err.statusCode).type('application/json').send({ error: err.message, status: err.statusCode, ...extra });
}

export function buildApp(deps: ApiDeps): LabApp {
  const { collection } = deps;
  const app = createLabApp({
    service: 'fault-proxy',
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: async () => {
      // Ready means the API is bound and every enabled proxy really listens; a proxy disabled on purpose
      // (a chaos step) is not a readiness failure.
      const checks: Record<string, { ok: boolean; detail?: string }> = {
        api: { ok: app.server.listening, ...(app.server.listening ? {} : { detail: 'API not listening' }) },
      };
      for (const p of collection.list()) {
        if (p.enabled) checks[`proxy:${p.name}`] = { ok: p.listening, detail: p.listen };
      }
      return { ok: Object.values(checks).every((c) => c.ok), checks };
    },
    stateSchema: faultProxyStateSchema,
    state: () => collection.state(),
  });

  void app.register(async (plugin) => {
    const api = plugin.withTypeProvider<ZodTypeProvider>();
    // Toxiproxy reads bodies as JSON whatever the Content-Type (curl -d sends form-urlencoded).
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (err) {
        done(badRequestBody((err as Error).message), undefined);
      }
    });
    api.setErrorHandler((err, req, reply) => {
      if (err instanceof PopulateError) return sendError(reply, err, { proxies: err.proxies });
      if (err instanceof LabError) return sendError(reply, err);
      const e = err as { statusCode?: number; message?: string };
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
        return sendError(reply, new LabError('PROXY_ERR_BAD_REQUEST', e.statusCode, e.message ?? 'bad request'));
      }
      req.log.error({ err }, 'fault-proxy request failed');
      return sendError(reply, new LabError('PROXY_ERR_INTERNAL', 500, e.message ?? 'internal error'));
    });
    api.addHook('onRequest', async (req, reply) => {
      if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
        return sendError(reply, new LabError('PROXY_ERR_BROWSER', 403, 'User agent not allowed'));
      }
    });

    // Bodies are parsed in the handlers with the schemas above (parse()), so that their errors read as
    // Toxiproxy's do ("missing required field: upstream at proxy 2"); paths through these schemas.
    const P = { params: z.object({ proxy: z.string() }) };
    const T = { params: z.object({ proxy: z.string(), toxic: z.string() }) };

    api.get('/version', async (_req, reply) =>
      reply.type('application/json;charset=utf-8').send({ version: deps.version ?? FAULT_PROXY_VERSION }),
    );

    api.post('/reset', async (_req, reply) => {
      await collection.reset();
      return reply.status(204).send();
    });

    api.get('/proxies', async () => Object.fromEntries(collection.list().map((p) => [p.name, p])));

    api.post('/proxies', async (req, reply) => {
      const input = parse(proxyCreate, req.body);
      const proxy = await collection.add({ ...input, listen: input.listen ?? '0.0.0.0:0' });
      return reply.status(201).send(proxy);
    });

    api.post('/populate', async (req, reply) => {
      if (!Array.isArray(req.body)) throw badRequestBody('expected a JSON array of proxies');
      // Every entry is checked before any proxy is touched, as Toxiproxy does.
      const inputs = req.body.map((item, i) => {
        const p = parse(proxyCreate, item, ` at proxy ${i + 1}`);
        return { ...p, listen: p.listen ?? '0.0.0.0:0' };
      });
      const proxies = await collection.populate(inputs);
      return reply.status(201).send({ proxies });
    });

    api.get('/proxies/:proxy', { schema: P }, async (req) => collection.get(req.params.proxy));

    const updateProxy = async (req: { params: { proxy: string }; body: unknown }) => {
      const proxy = collection.get(req.params.proxy); // 404 before 400, as Toxiproxy answers
      const { protocol: wanted, ...change } = parse(proxyUpdate, req.body);
      // Clients send the whole proxy back: the same protocol is fine, another one needs a new proxy.
      if (wanted && wanted !== proxy.protocol) throw badRequestBody(`protocol: cannot change ${proxy.protocol} to ${wanted}; delete and create the proxy`);
      return collection.update(req.params.proxy, change);
    };
    api.post('/proxies/:proxy', { schema: P }, updateProxy);
    api.patch('/proxies/:proxy', { schema: P }, updateProxy);

    api.delete('/proxies/:proxy', { schema: P }, async (req, reply) => {
      await collection.remove(req.params.proxy);
      return reply.status(204).send();
    });

    api.get('/proxies/:proxy/toxics', { schema: P }, async (req) => collection.get(req.params.proxy).toxics.list());

    // Toxiproxy answers a created toxic with 200, not 201.
    api.post('/proxies/:proxy/toxics', { schema: P }, async (req) => {
      const proxy = collection.get(req.params.proxy);
      const input = parse(toxicCreate, req.body);
      const holder = req.headers['x-lab-lease'];
      if (typeof holder === 'string' && !deps.leases) throw noSuchLease(holder);
      const toxic = proxy.toxics.add({ ...input, stream: parseStream(input.stream) });
      if (typeof holder === 'string' && deps.leases) {
        try {
          deps.leases.bind(holder, proxy.name, toxic.name);
        } catch (err) {
          proxy.toxics.remove(toxic.name); // a fault nobody holds must not stay
          throw err;
        }
      }
      return toxic;
    });

    api.get('/proxies/:proxy/toxics/:toxic', { schema: T }, async (req) => collection.get(req.params.proxy).toxics.get(req.params.toxic));

    const updateToxic = async (req: { params: { proxy: string; toxic: string }; body: unknown }) => {
      const toxics = collection.get(req.params.proxy).toxics;
      toxics.get(req.params.toxic);
      return toxics.update(req.params.toxic, parse(toxicUpdate, req.body));
    };
    api.post('/proxies/:proxy/toxics/:toxic', { schema: T }, updateToxic);
    api.patch('/proxies/:proxy/toxics/:toxic', { schema: T }, updateToxic);

    api.delete('/proxies/:proxy/toxics/:toxic', { schema: T }, async (req, reply) => {
      collection.get(req.params.proxy).toxics.remove(req.params.toxic);
      return reply.status(204).send();
    });
  });

  // Fault leases (not Toxiproxy's): renew with PUT, end with DELETE; toxics bound by x-lab-lease.
  const leases = deps.leases;
  if (leases) {
    const holderParam = z.object({ holder: holderSchema });
    app.get('/lab/leases', async () => leases.list());
    app.put('/lab/leases/:holder', { schema: { params: holderParam, body: leaseTtlSchema } }, async (req) => leases.renew(req.params.holder, req.body.ttlMs));
    app.delete('/lab/leases/:holder', { schema: { params: holderParam } }, async (req) => {
      const lease = leases.release(req.params.holder);
      return { holder: req.params.holder, toxicsRemoved: lease?.toxics.length ?? 0 };
    });
  }

  return app;
}
