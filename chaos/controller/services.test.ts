import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { flushMicrotasks } from '../../lib/clock.js';
import { until } from '../../test/support/until.js';
import type { LabService } from '../topology.js';
import { ServiceDirectory } from './services.js';

const kv = (name: string): LabService => ({ name, kind: 'kv-store', port: 8001, url: `http://${name}:8001` });
const nlb = (name: string, url: string): LabService => ({ name, kind: 'nlb', port: 8005, url });

/** `{ value }` when `promise` settles within the current turn of the event loop, 'waited' when it does not. */
async function settlesAtOnce<T>(promise: Promise<T>): Promise<{ value: T } | 'waited'> {
  let settled = null as { value: T } | null;
  void promise.then((value) => (settled = { value }));
  await flushMicrotasks(1);
  return settled ?? 'waited';
}

/** A discovery whose first call answers `first`, and every later one waits for `release()` and answers `later`. */
function slowDiscovery(first: LabService[], later: LabService[]) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let calls = 0;
  const discover = async (): Promise<LabService[]> => {
    calls++;
    if (calls === 1) return first;
    await released;
    return later;
  };
  return { discover, release: () => release(), calls: () => calls };
}

describe('the service directory', () => {
  it('answers with the services last read while Docker is slow to list them again, and with the new list once it has', async () => {
    let now = 0;
    const docker = slowDiscovery([kv('kv-1'), kv('kv-3')], [kv('kv-1')]);
    const directory = new ServiceDirectory(docker.discover, 'token', 3000, () => now);
    // Before the first read there is nothing to fall back on: it waits for it.
    assert.deepEqual((await directory.topology()).services.map((s) => s.name), ['kv-1', 'kv-3']);

    now = 60_000;
    // The refresh is stuck in Docker: a live frame (or any caller) still gets both services at once.
    for (let i = 0; i < 3; i++) {
      const answer = await settlesAtOnce(directory.topology());
      assert.ok(answer !== 'waited', 'the caller waited for the refresh');
      assert.deepEqual(answer.value.services.map((s) => s.name), ['kv-1', 'kv-3']);
    }
    assert.equal(docker.calls(), 2, 'one refresh under way, not one a caller');
    docker.release();
    await until('the new list', async () => (await directory.topology()).services.length === 1, 5000, 5);
    assert.deepEqual((await directory.topology()).services.map((s) => s.name), ['kv-1']);
  });

  describe('with NLB nodes whose checker is not known yet', () => {
    const node = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"checker":true}'));
    after(() => node.close());

    it('waits for the refresh that may name it, since the runbook and the probes need it', async () => {
      await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
      const live = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
      let now = 0;
      // The first read finds the node not answering (port 9: refused), the next one finds it up.
      const docker = slowDiscovery([nlb('nlb-az-a', 'http://127.0.0.1:9')], [nlb('nlb-az-a', live)]);
      const directory = new ServiceDirectory(docker.discover, 'token', 3000, () => now);
      assert.equal((await directory.topology()).roles['nlb-checker'], undefined);

      now = 1_000;
      const pending = directory.topology();
      assert.equal(await settlesAtOnce(pending), 'waited', 'an incomplete topology was served while its refresh ran');
      docker.release();
      assert.equal((await pending).roles['nlb-checker'], 'nlb-az-a');
      // Complete now: the next old one is served at once.
      now = 60_000;
      assert.notEqual(await settlesAtOnce(directory.topology()), 'waited');
    });
  });
});
