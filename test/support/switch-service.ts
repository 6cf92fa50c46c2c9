// A lab service with one fix switch (GET and PUT /lab/fix as lib/http serves them), on a real loopback
// socket: for the controller's fix routes and the CLI's `fixes`, which only need the switch.
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ServiceKind } from '../../chaos/contracts.js';
import type { LabService } from '../../chaos/topology.js';
import type { Fix } from '../../lib/contract.js';
import { EventLog } from '../../lib/events.js';
import { createLabApp, type LabApp } from '../../lib/http.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';

export interface SwitchService {
  service: LabService;
  /** The switch itself: tests read it, and set it behind the API's back. */
  box: { on: boolean };
  events: EventLog;
  app: LabApp;
}

export async function switchService(name: string, kind: ServiceKind, fix: Fix, token: string): Promise<SwitchService> {
  const box = { on: false };
  const events = new EventLog();
  const app = createLabApp({
    service: name,
    log: silentLogger(),
    adminToken: token,
    registry: createRegistry(name, false),
    events,
    ready: async () => ({ ok: true, checks: {} }),
    stateSchema: z.object({}),
    state: () => ({}),
    fix: { name: fix, on: () => box.on, set: (on) => void (box.on = on) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { service: { name, kind, port, url: `http://127.0.0.1:${port}` }, box, events, app };
}

/** The lab's fix switches: two enactors, the checker NLB node and the launcher. */
export const labSwitches = async (token: string): Promise<SwitchService[]> => [
  await switchService('dns-enactor-az-a', 'dns-enactor', 'enactor', token),
  await switchService('dns-enactor-az-b', 'dns-enactor', 'enactor', token),
  await switchService('nlb-az-a', 'nlb', 'nlb-velocity', token),
  await switchService('ec2', 'ec2', 'propagation-throttle', token),
];
