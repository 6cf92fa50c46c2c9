import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabService } from '../topology.js';
import { ServiceDirectory } from './services.js';

const kv = (name: string): LabService => ({ name, kind: 'kv-store', port: 8001, url: `http://${name}:8001` });

describe('the service directory', () => {
  it('gives a frame the services last read while Docker is slow to list them again, and the new list once it has', async () => {
    let now = 0;
    let release: () => void = () => {};
    let calls = 0;
    const directory = new ServiceDirectory(
      async () => {
        calls++;
        if (calls === 1) return [kv('kv-1'), kv('kv-3')];
        await new Promise<void>((resolve) => (release = resolve));
        return [kv('kv-1')];
      },
      'token',
      3000,
      () => now,
    );
    // Before the first read there is nothing to fall back on: it waits for it.
    assert.deepEqual((await directory.topologyNow()).services.map((s) => s.name), ['kv-1', 'kv-3']);

    now = 60_000;
    const slow = directory.topology();
    // The refresh is stuck in Docker: a frame still sees both services at once (a frame that waited would
    // see nothing before this test's deadline).
    const stuck = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 1000).unref());
    const frame = await Promise.race([directory.topologyNow(), stuck]);
    assert.ok(frame !== 'waited', 'the frame waited for the refresh');
    assert.deepEqual(frame.services.map((s) => s.name), ['kv-1', 'kv-3']);
    assert.equal(calls, 2, 'one refresh under way, not one a frame');
    release();
    assert.deepEqual((await slow).services.map((s) => s.name), ['kv-1']);
    assert.deepEqual((await directory.topologyNow()).services.map((s) => s.name), ['kv-1']);
  });
});
