// kv-store HTTP API: a DynamoDB-like request router. Reads are open; writes and deletes need the lab's
// bearer token (as every AWS call needs a signature). Stateless: every item lives in Redis.
import type { FastifyInstance } from 'fastify';
import { createLabApp, readinessOf } from '../../lib/http.js';
import { conflict, LabError } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import { Counter, Histogram, type Registry } from '../../lib/metrics.js';
import { Admission, Throttled } from './admission.js';
import { ConditionFailed, type KvStore } from './store.js';

export interface KvStoreDeps {
  nodeId: string;
  address: string;
  store: KvStore;
  admission: Admission;
  log: Logger;
  adminToken: string;
  registry: Registry;
  events: EventLog;
}

const keyParam = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_.:/@-]+$' } },
} as const;

export function buildApp(deps: KvStoreDeps): FastifyInstance {
  const requests = new Counter({ name: 'kv_requests_total', help: 'kv requests by operation and outcome', labelNames: ['op', 'outcome'], registers: [deps.registry] });
  const latency = new Histogram({
    name: 'kv_request_seconds',
    help: 'kv request latency including time waiting for a slot',
    labelNames: ['op'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [deps.registry],
  });

  const app = createLabApp({
    service: `kv-store/${deps.nodeId}`,
    log: deps.log,
    adminToken: deps.adminToken,
    registry: deps.registry,
    events: deps.events,
    ready: () => readinessOf({ redis: () => deps.store.ping() }),
    state: () => ({ node: deps.nodeId, address: deps.address, ...deps.admission.snapshot() }),
  });

  const serve = async <T>(op: string, work: () => Promise<T>): Promise<T> => {
    const stop = latency.startTimer({ op });
    try {
      const result = await deps.admission.run(work);
      requests.inc({ op, outcome: 'ok' });
      return result;
    } catch (err) {
      if (err instanceof ConditionFailed) {
        requests.inc({ op, outcome: 'condition-failed' });
        throw conflict(err.message, { code: 'ConditionalCheckFailed', actualVersion: err.actual });
      }
      if (err instanceof Throttled) {
        requests.inc({ op, outcome: 'throttled' });
        throw new LabError('KV_ERR_THROTTLED', 503, err.message);
      }
      if (err instanceof LabError) throw err;
      requests.inc({ op, outcome: 'error' });
      throw new LabError('KV_ERR_BACKEND', 503, `storage unavailable: ${(err as Error).message}`);
    } finally {
      stop();
    }
  };

  app.get<{ Params: { key: string } }>('/v1/items/:key', { schema: { params: keyParam } }, async (req) => {
    const item = await serve('get', () => deps.store.get(req.params.key));
    if (!item) throw new LabError('KV_ERR_NOT_FOUND', 404, `no item ${req.params.key}`);
    return item;
  });

  app.put<{ Params: { key: string }; Body: { value: unknown; expectedVersion?: number } }>(
    '/v1/items/:key',
    {
      onRequest: app.requireAdmin,
      schema: {
        params: keyParam,
        body: {
          type: 'object',
          required: ['value'],
          additionalProperties: false,
          properties: { value: {}, expectedVersion: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req) => {
      const { value, expectedVersion } = req.body;
      const item = await serve('put', () => deps.store.put(req.params.key, value, expectedVersion));
      return { key: item.key, version: item.version };
    },
  );

  app.delete<{ Params: { key: string }; Querystring: { expectedVersion?: number } }>(
    '/v1/items/:key',
    {
      onRequest: app.requireAdmin,
      schema: {
        params: keyParam,
        querystring: { type: 'object', properties: { expectedVersion: { type: 'integer', minimum: 0 } }, additionalProperties: false },
      },
    },
    async (req) => {
      const deleted = await serve('delete', () => deps.store.delete(req.params.key, req.query.expectedVersion));
      return { key: req.params.key, deleted };
    },
  );

  // Service hook for the slow-handler fault (chaos/faults/slow-handler.ts): every request holds its slot
  // ms longer; 0 is normal speed.
  app.post<{ Body: { ms: number } }>(
    '/v1/slow',
    {
      onRequest: app.requireAdmin,
      schema: { body: { type: 'object', required: ['ms'], additionalProperties: false, properties: { ms: { type: 'integer', minimum: 0, maximum: 60000 } } } },
    },
    async (req) => {
      deps.admission.slowByMs = req.body.ms;
      deps.events.emit('slowed', { ms: req.body.ms });
      return { slowByMs: req.body.ms };
    },
  );

  return app;
}
