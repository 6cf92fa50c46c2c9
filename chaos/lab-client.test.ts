import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coalescing, serviceState, type LabClient } from './lab-client.js';

describe('reading services through the controller', () => {
  it('serviceState is the state of /api/services/NAME/state, null without one', async () => {
    const lab = { controller: async (path: string) => (path.includes('launcher') ? { state: { path } } : {}) };
    assert.deepEqual(await serviceState(lab, 'launcher'), { path: '/api/services/launcher/state' });
    assert.equal(await serviceState(lab, 'nlb-az-a'), null);
  });

  it('coalescing shares a GET made while the same one is in flight, and nothing else', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lab: Pick<LabClient, 'controller'> = {
      controller: async (path, init) => {
        calls.push(`${init?.method ?? 'GET'} ${path}`);
        await gate;
        return { path };
      },
    };
    const shared = coalescing(lab);
    const together = [shared.controller('/a'), shared.controller('/a'), shared.controller('/b'), shared.controller('/a', { method: 'POST' })];
    release();
    await Promise.all(together);
    assert.deepEqual(calls, ['GET /a', 'GET /b', 'POST /a']);
    await shared.controller('/a');
    assert.equal(calls.length, 4, 'a later GET is a new request');
  });
});
