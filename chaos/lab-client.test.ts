import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../lib/clock.js';
import { labState } from '../test/support/lab-states.js';
import { ContractMismatch, FAULT_LEASE_TTL_MS, holdLease, isNotFound, LabApiError, LabClient, LabUnreachable } from './lab-client.js';

/** A controller and a fault proxy on one ephemeral port: answers by path, counting requests. */
function fakeLab(routes: Record<string, (method: string) => { status: number; body: unknown; delayMs?: number }>) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const route = routes[req.url ?? ''];
    const answer = route ? route(req.method ?? 'GET') : { status: 404, body: { error: { code: 'LAB_ERR_NOT_FOUND', message: `no route ${req.url}` } } };
    setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body)), answer.delayMs ?? 0);
  });
  return { server, calls };
}

const topology = {
  services: [
    { name: 'control-plane', kind: 'ec2', port: 8003, url: 'http://control-plane:8003' },
    { name: 'nlb-1', kind: 'nlb', port: 8005, url: 'http://nlb-1:8005' },
  ],
  roles: { 'nlb-checker': 'nlb-1' },
};

describe('the lab client', () => {
  let launcherState: unknown = labState('ec2');
  const { server, calls } = fakeLab({
    '/api/topology': () => ({ status: 200, body: topology }),
    '/api/services/control-plane/state': () => ({ status: 200, body: { service: 'control-plane', time: 1, state: launcherState }, delayMs: 20 }),
    '/api/services/nlb-1/state': () => ({ status: 200, body: { service: 'nlb/az-a', time: 1, state: labState('nlb', { healthyCapacity: 9 }) } }),
    '/proxies/nope/toxics/x': () => ({ status: 404, body: { error: 'proxy not found', status: 404 } }),
    '/api/faults/f1': () => ({ status: 404, body: { error: { code: 'LAB_ERR_NOT_FOUND', message: 'no fault "f1"' } } }),
  });
  let lab: LabClient;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    lab = new LabClient({ controller: url, faultProxy: url, dnsHost: '127.0.0.1', dnsPort: 1, token: 't' });
  });
  after(() => closeServer(server));

  it("reads a service's state typed by its kind, finding the one EC2 control plane and the checker node from the topology, whatever their names", async () => {
    const launcher = await lab.state('ec2');
    assert.equal(launcher.dwfm.droplets, 450);
    const checker = await lab.checkerState();
    assert.equal(checker?.isChecker && checker.healthyCapacity, 9);
  });

  it('refuses a state outside its contract, naming the field', async () => {
    launcherState = { ...labState('ec2'), dwfm: { ...labState('ec2').dwfm, leased: 'many' } };
    await assert.rejects(lab.state('ec2'), (err: Error) => err instanceof ContractMismatch && /dwfm\.leased/.test(err.message));
    assert.equal(await lab.stateOrNull('ec2'), null);
    launcherState = labState('ec2');
  });

  it('shares a GET made while the same one is in flight, and nothing else', async () => {
    calls.length = 0;
    await Promise.all([lab.state('ec2', 'control-plane'), lab.state('ec2', 'control-plane'), lab.controller('/api/services/control-plane/state', { method: 'POST' }).catch(() => null)]);
    assert.deepEqual(calls.sort(), ['GET /api/services/control-plane/state', 'POST /api/services/control-plane/state']);
    await lab.state('ec2', 'control-plane');
    assert.equal(calls.length, 3, 'a later GET is a new request');
  });

  it("carries the status and the lab's error code, in the lab's format and in Toxiproxy's", async () => {
    const err = await lab.controller('/api/faults/f1').catch((e: unknown) => e);
    assert.ok(err instanceof LabApiError);
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'LAB_ERR_NOT_FOUND');
    const proxyErr = await lab.proxy('/proxies/nope/toxics/x').catch((e: unknown) => e);
    assert.ok(isNotFound(proxyErr));
    assert.match((proxyErr as Error).message, /proxy not found/);
    await lab.removeToxic('nope', 'x'); // a toxic already gone is not an error
    await lab.removeFault('f1');
  });

  it('says the lab is not up when nothing answers', async () => {
    const closed = new LabClient({ controller: 'http://127.0.0.1:9', faultProxy: 'http://127.0.0.1:9', dnsHost: '127.0.0.1', dnsPort: 1, token: 't' });
    await assert.rejects(closed.status(), (err: Error) => err instanceof LabUnreachable && /cascade-lab up/.test(err.message));
  });
});

describe('holding a fault lease', () => {
  it('renews it every third of its ttl until release(), which drops it', async () => {
    const clock = new ManualClock();
    const calls: string[] = [];
    const lab = {
      renewLease: async (holder: string, ttlMs: number) => void calls.push(`renew ${holder} ${ttlMs} at ${clock.now()}`),
      releaseLease: async (holder: string) => void calls.push(`release ${holder} at ${clock.now()}`),
    };
    const lease = await holdLease(lab, 'test-1', clock, assert.fail, 3000);
    await clock.advance(2500);
    await lease.release();
    await clock.advance(5000);
    assert.deepEqual(calls, ['renew test-1 3000 at 0', 'renew test-1 3000 at 1000', 'renew test-1 3000 at 2000', 'release test-1 at 2500']);
  });

  it('lives FAULT_LEASE_TTL_MS by default', async () => {
    const ttls: number[] = [];
    const lease = await holdLease({ renewLease: async (_h, ttlMs) => void ttls.push(ttlMs), releaseLease: async () => undefined }, 'test-2', new ManualClock(), assert.fail);
    await lease.release();
    assert.deepEqual(ttls, [FAULT_LEASE_TTL_MS]);
  });
});

function closeServer(server: Server): void {
  server.closeAllConnections();
  server.close();
}
