// The controller's fault API: the catalogue, the container and service faults it holds, and the leases
// that hold them (chaos/faults/held-faults.ts). Toxics live on the fault proxy (its own API, its own
// leases); the catalogue lists them too so one place says what the lab can do.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../lib/errors.js';
import { catalogueJson, faultKind, validParams } from '../faults/catalogue.js';
import type { HeldFaults } from '../faults/held-faults.js';

const holder = { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$' } as const;
const holderParam = { type: 'object', properties: { holder } } as const;

export function registerFaultRoutes(app: FastifyInstance, faults: HeldFaults): void {
  app.get('/api/faults/catalogue', async () => catalogueJson());

  app.get('/api/faults', async () => faults.list());

  app.post<{ Body: { kind: string; target: string; params?: Record<string, unknown>; holder?: string; ttlMs?: number } }>(
    '/api/faults',
    {
      onRequest: app.requireAdmin,
      schema: {
        body: {
          type: 'object',
          required: ['kind', 'target'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string', minLength: 1 },
            target: { type: 'string', minLength: 1, maxLength: 100 },
            params: { type: 'object' },
            holder,
            ttlMs: { type: 'integer', minimum: 100, maximum: 3_600_000 },
          },
        },
      },
    },
    async (req, reply) => {
      const kind = faultKind(req.body.kind);
      if (kind.injectedBy !== 'controller') {
        throw badRequest(`${kind.kind} is a fault-proxy toxic: add it on the fault proxy (POST /proxies/${req.body.target}/toxics, or cascade-lab fault add ${kind.kind} ${req.body.target})`);
      }
      const params = validParams(kind, req.body.params);
      const fault = await faults.add({ kind: kind.kind, target: req.body.target, params, holder: req.body.holder, ttlMs: req.body.ttlMs });
      return reply.status(201).send(fault);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/faults/:id', { onRequest: app.requireAdmin }, async (req) => faults.remove(req.params.id));

  /** Undoes every fault the controller holds (cascade-lab fault clear). */
  app.delete('/api/faults', { onRequest: app.requireAdmin }, async () => ({ removed: await faults.clear() }));

  app.get('/api/leases', async () => faults.leaseList());
  app.put<{ Params: { holder: string }; Body: { ttlMs: number } }>(
    '/api/leases/:holder',
    {
      onRequest: app.requireAdmin,
      schema: {
        params: holderParam,
        body: { type: 'object', required: ['ttlMs'], additionalProperties: false, properties: { ttlMs: { type: 'integer', minimum: 100, maximum: 600000 } } },
      },
    },
    async (req) => faults.renewLease(req.params.holder, req.body.ttlMs),
  );
  app.delete<{ Params: { holder: string } }>('/api/leases/:holder', { onRequest: app.requireAdmin, schema: { params: holderParam } }, async (req) => ({
    holder: req.params.holder,
    faultsUndone: await faults.releaseLease(req.params.holder),
  }));
}
