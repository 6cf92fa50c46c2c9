// The controller's fault API: the catalogue, the container and service faults it holds, and the leases
// that hold them (chaos/faults/held-faults.ts). Toxics live on the fault proxy (its own API, its own
// leases); the catalogue lists them too so one place says what the lab can do.
import { leaseTtlSchema } from '../../lib/contract.js';
import { badRequest } from '../../lib/errors.js';
import type { LabApp } from '../../lib/http.js';
import { z } from 'zod';
import { catalogueJson, faultKind, validParams } from '../faults/catalogue.js';
import type { HeldFaults } from '../faults/held-faults.js';
import { faultRequestSchema, heldFaultSchema, holderParams, leaseInfoSchema, leaseReleasedSchema } from './contract.js';

export function registerFaultRoutes(app: LabApp, faults: HeldFaults): void {
  app.get('/api/faults/catalogue', async () => catalogueJson());

  app.get('/api/faults', { schema: { response: { 200: z.array(heldFaultSchema) } } }, async () => faults.list());

  app.post('/api/faults', { onRequest: app.requireAdmin, schema: { body: faultRequestSchema, response: { 201: heldFaultSchema } } }, async (req, reply) => {
    const kind = faultKind(req.body.kind);
    if (kind.injectedBy !== 'controller') {
      throw badRequest(`${kind.kind} is a fault-proxy toxic: add it on the fault proxy (POST /proxies/${req.body.target}/toxics, or cascade-lab fault add ${kind.kind} ${req.body.target})`);
    }
    const params = validParams(kind, req.body.params);
    const fault = await faults.add({ kind: kind.kind, target: req.body.target, params, holder: req.body.holder, ttlMs: req.body.ttlMs });
    return reply.status(201).send(fault);
  });

  app.delete('/api/faults/:id', { onRequest: app.requireAdmin, schema: { params: z.object({ id: z.string().min(1).max(100) }), response: { 200: heldFaultSchema } } }, async (req) =>
    faults.remove(req.params.id),
  );

  /** Undoes every fault the controller holds (cascade-lab fault clear). */
  app.delete('/api/faults', { onRequest: app.requireAdmin, schema: { response: { 200: z.object({ removed: z.number().int() }) } } }, async () => ({
    removed: await faults.clear(),
  }));

  app.get('/api/leases', { schema: { response: { 200: z.array(leaseInfoSchema) } } }, async () => faults.leaseList());
  app.put('/api/leases/:holder', { onRequest: app.requireAdmin, schema: { params: holderParams, body: leaseTtlSchema, response: { 200: leaseInfoSchema } } }, async (req) =>
    faults.renewLease(req.params.holder, req.body.ttlMs),
  );
  app.delete('/api/leases/:holder', { onRequest: app.requireAdmin, schema: { params: holderParams, response: { 200: leaseReleasedSchema } } }, async (req) => ({
    holder: req.params.holder,
    faultsUndone: await faults.releaseLease(req.params.holder),
  }));
}
