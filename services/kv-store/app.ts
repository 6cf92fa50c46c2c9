// kv-store HTTP API: a DynamoDB-like request router. Reads are open; writes and deletes need the lab's
// bearer token (as every AWS call needs a signature). Stateless: every item lives in Redis.
import { z } from 'zod';
import { createLabApp, readinessOf, type LabApp } from '../../lib/http.js';
import type { ClockedView } from '../../lib/timing.js';
import { kvStoreStateSchema } from './state.js';
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
  /** The modeled latency's clock (GET/PUT /lab/clock). */
  timing?: ClockedView;
}

const keyParam = z.object({ key: z.string().min(1).max(512).regex(/^[A-Za-z0-9_.:/@-]+$/, 'expected a key of A-Z a-z 0-9 _ . : / @ -') });
const version = z.coerce.number().int().min(0);

export function buildApp(deps: KvStoreDeps): LabApp {
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
    stateSchema: kvStoreStateSchema,
    state: () => ({ node: deps.nodeId, address: deps.address, ...deps.admission.snapshot() }),
    timing: deps.timing,
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

  app.get('/v1/items/:key', { schema: { params: keyParam } }, async (req) => {
    const item = await serve('get', () => deps.store.get(req.params.key));
    if (!item) throw new LabError('KV_ERR_NOT_FOUND', 404, `no item ${req.params.key}`);
    return item;
  });

  app.put(
    '/v1/items/:key',
    {
      onRequest: app.requireAdmin,
      schema: {
        params: keyParam,
        // A value may be any JSON, but it must be there: {"value": null} is a value, {} is not.
        body: z.object({ value: z.unknown().refine((v) => v !== undefined, 'required'), expectedVersion: z.number().int().min(0).optional() }).strict(),
      },
    },
    async (req) => {
      const { value, expectedVersion } = req.body;
      const item = await serve('put', () => deps.store.put(req.params.key, value, expectedVersion));
      return { key: item.key, version: item.version };
    },
  );

  app.delete(
    '/v1/items/:key',
    { onRequest: app.requireAdmin, schema: { params: keyParam, querystring: z.object({ expectedVersion: version.optional() }).strict() } },
    async (req) => {
      const deleted = await serve('delete', () => deps.store.delete(req.params.key, req.query.expectedVersion));
      return { key: req.params.key, deleted };
    },
  );

  // Service hook for the slow-handler fault (chaos/faults/slow-handler.ts): every request holds its slot
  // ms longer; 0 is normal speed.
  app.post(
    '/v1/slow',
    { onRequest: app.requireAdmin, schema: { body: z.object({ ms: z.number().int().min(0).max(60000) }).strict() } },
    async (req) => {
      deps.admission.slowByMs = req.body.ms;
      deps.events.emit('slowed', { ms: req.body.ms });
      return { slowByMs: req.body.ms };
    },
  );

  return app;
}
