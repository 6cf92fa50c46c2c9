// The controller's fault API: the catalogue, the faults it holds, and the leases that hold them
// (chaos/faults/held-faults.ts). It holds container and service faults, and toxics asked of it (the
// dashboard's: chaos/faults/held-toxic.ts); the CLI and experiments put their toxics on the fault proxy
// themselves, under the proxy's own leases.
import { leaseTtlSchema } from '../../lib/contract.js';
import type { LabApp } from '../../lib/http.js';
import { z } from 'zod';
import { catalogueJson, faultKind, validParams } from '../faults/catalogue.js';
import type { HeldFaults } from '../faults/held-faults.js';
import type { ToxicLinks } from '../faults/fault.js';
import type { Topology } from '../topology.js';
import { faultRequestSchema, faultTargetsSchema, heldFaultSchema, holderParams, leaseInfoSchema, leaseReleasedSchema } from './contract.js';

export type FaultLinks = ToxicLinks['links'];

export function registerFaultRoutes(app: LabApp, faults: HeldFaults, directory: { topology(): Promise<Topology> }, links: FaultLinks): void {
  app.get('/api/faults/catalogue', async () => catalogueJson());

  /** What a fault's target may be: the fault proxy's links for toxics (none while it is down), the lab's services for the rest. */
  app.get('/api/faults/targets', { schema: { response: { 200: faultTargetsSchema } } }, async () => {
    const [topology, known] = await Promise.all([directory.topology(), links().catch(() => [])]);
    const services = topology.services.map((s) => s.name);
    return {
      'tcp-link': known.filter((l) => l.protocol === 'tcp').map((l) => l.name),
      'udp-link': known.filter((l) => l.protocol === 'udp').map((l) => l.name),
      // The controller never faults its own container.
      container: topology.services.filter((s) => s.kind !== 'controller').map((s) => s.name),
      service: services,
    };
  });

  app.get('/api/faults', { onRequest: app.facilitatorRead, schema: { response: { 200: z.array(heldFaultSchema) } } }, async () => faults.list());

  app.post('/api/faults', { onRequest: app.requireAdmin, schema: { body: faultRequestSchema, response: { 201: heldFaultSchema } } }, async (req, reply) => {
    const kind = faultKind(req.body.kind);
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

  app.get('/api/leases', { onRequest: app.facilitatorRead, schema: { response: { 200: z.array(leaseInfoSchema) } } }, async () => faults.leaseList());
  app.put('/api/leases/:holder', { onRequest: app.requireAdmin, schema: { params: holderParams, body: leaseTtlSchema, response: { 200: leaseInfoSchema } } }, async (req) =>
    faults.renewLease(req.params.holder, req.body.ttlMs),
  );
  app.delete('/api/leases/:holder', { onRequest: app.requireAdmin, schema: { params: holderParams, response: { 200: leaseReleasedSchema } } }, async (req) => ({
    holder: req.params.holder,
    faultsUndone: await faults.releaseLease(req.params.holder),
  }));
}
