import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import { LabError } from '../../lib/errors.js';
import { EventLog } from '../../lib/events.js';
import { controllerKind } from './catalogue.js';
import { LabContainers } from './docker.js';
import type { FaultContext } from './fault.js';
import { HeldFaults, type FaultStore, type HeldFault } from './held-faults.js';
import { FakeDocker } from './test-support.js';

const PROJECT = 'lab-a';
const TTL = 6000;

function setup(store: FaultStore | null = null) {
  const clock = new ManualClock(1_000_000);
  const docker = new FakeDocker();
  const kv1 = docker.add(PROJECT, 'kv-1', [{ network: `${PROJECT}_lab`, ipv4: '172.30.9.11', aliases: ['kv-1', 'abc123'] }]);
  const other = docker.add('someone-else', 'kv-1');
  docker.add(PROJECT, 'controller');
  const hooks: string[] = [];
  const ctx: FaultContext = {
    containers: new LabContainers(docker, PROJECT, 'controller'),
    callService: async (service, path, body) => {
      hooks.push(`${service} ${path} ${JSON.stringify(body ?? null)}`);
      return {};
    },
  };
  const events = new EventLog();
  const faults = new HeldFaults(clock, events, ctx, controllerKind, store, 500);
  const loop = faults.run();
  const stop = async () => {
    faults.stop();
    await clock.advance(500);
    await loop;
  };
  return { clock, docker, kv1, other, faults, hooks, events, stop };
}

/** A FaultStore in memory that, like Redis, keeps copies: what a controller holds is not what it saved. */
function memoryStore(): { saved: Map<string, HeldFault>; store: FaultStore } {
  const saved = new Map<string, HeldFault>();
  const store: FaultStore = {
    save: async (f) => void saved.set(f.id, structuredClone(f)),
    remove: async (id) => void saved.delete(id),
    all: async () => [...saved.values()],
  };
  return { saved, store };
}

const code = (code: string, status: number) => (err: unknown) => err instanceof LabError && err.code === code && err.statusCode === status;

describe('held faults (controller leases over the Docker API)', () => {
  it('a paused container is unpaused by itself once its holder stops renewing (a killed CLI), not before', async () => {
    const { clock, docker, kv1, other, faults, events, stop } = setup();
    faults.renewLease('cli-1', TTL);
    const fault = await faults.add({ kind: 'pause', target: 'kv-1', params: {}, holder: 'cli-1' });
    assert.equal(docker.stateOf(kv1), 'paused');
    assert.equal(docker.stateOf(other), 'running', 'a container of another project is never touched');
    // Renewed every 2 s for 20 s: held all along.
    for (let t = 0; t < 10; t++) {
      await clock.advance(2000);
      faults.renewLease('cli-1', TTL);
    }
    assert.equal(docker.stateOf(kv1), 'paused');
    assert.equal(faults.list()[0]?.id, fault.id);
    // The holder dies: no renewals. Undone within TTL plus one sweep, well inside 10 s.
    await clock.advance(TTL - 1);
    assert.equal(docker.stateOf(kv1), 'paused');
    await clock.advance(501);
    assert.equal(docker.stateOf(kv1), 'running');
    assert.deepEqual(faults.list(), []);
    assert.ok(events.since(0).events.some((e) => e.type === 'lease-expired'));
    await stop();
  });

  it('kill, stop and restart are undone by starting the container; disconnect by reconnecting it as it was', async () => {
    const { docker, kv1, faults, stop } = setup();
    for (const kind of ['kill', 'stop', 'restart']) {
      const f = await faults.add({ kind, target: 'kv-1', params: controllerKind(kind)!.params.parse({}), ttlMs: 60_000 });
      if (kind !== 'restart') assert.equal(docker.stateOf(kv1), 'exited', `${kind} takes it down`);
      await faults.remove(f.id);
      assert.equal(docker.stateOf(kv1), 'running', `${kind} undone`);
    }
    const f = await faults.add({ kind: 'disconnect', target: 'kv-1', params: { network: 'lab' }, ttlMs: 60_000 });
    assert.deepEqual((await docker.inspect(kv1)).attachments, []);
    await faults.remove(f.id);
    assert.deepEqual((await docker.inspect(kv1)).attachments, [{ network: `${PROJECT}_lab`, ipv4: '172.30.9.11', aliases: ['kv-1', 'abc123'] }]);
    assert.ok(docker.calls.includes(`restart ${kv1}`));
    await stop();
  });

  it('a fault with its own ttl expires without any lease', async () => {
    const { clock, docker, kv1, faults, stop } = setup();
    await faults.add({ kind: 'stop', target: 'kv-1', params: { timeout: 1 }, ttlMs: 3000 });
    await clock.advance(2900);
    assert.equal(docker.stateOf(kv1), 'exited');
    await clock.advance(600);
    assert.equal(docker.stateOf(kv1), 'running');
    await stop();
  });

  it('refuses what it cannot hold: no lease, another project, its own container, a second fault on one container', async () => {
    const { faults, docker, kv1, stop } = setup();
    await assert.rejects(faults.add({ kind: 'pause', target: 'kv-1', params: {}, holder: 'nobody' }), code('FAULT_ERR_NO_LEASE', 409));
    await assert.rejects(faults.add({ kind: 'pause', target: 'kv-1', params: {} }), code('LAB_ERR_BAD_REQUEST', 400));
    await assert.rejects(faults.add({ kind: 'pause', target: 'redis', params: {}, ttlMs: 1000 }), (err: Error) => code('LAB_ERR_BAD_REQUEST', 400)(err) && /known: controller|known: kv-1/.test(err.message));
    await assert.rejects(faults.add({ kind: 'kill', target: 'controller', params: { signal: 'SIGKILL' }, ttlMs: 1000 }), code('LAB_ERR_BAD_REQUEST', 400));
    await faults.add({ kind: 'pause', target: 'kv-1', params: {}, ttlMs: 10_000 });
    await assert.rejects(faults.add({ kind: 'kill', target: 'kv-1', params: { signal: 'SIGKILL' }, ttlMs: 1000 }), code('LAB_ERR_CONFLICT', 409));
    await assert.rejects(faults.add({ kind: 'pause-loop', target: 'kv-1', params: {}, ttlMs: 1000 }), code('LAB_ERR_BAD_REQUEST', 400));
    assert.equal(await faults.clear(), 1);
    assert.equal(docker.stateOf(kv1), 'running');
    await stop();
  });

  it('an undo that fails is retried on the next sweep until it succeeds', async () => {
    const { clock, docker, kv1, faults, events, stop } = setup();
    faults.renewLease('run-1', TTL);
    await faults.add({ kind: 'pause', target: 'kv-1', params: {}, holder: 'run-1' });
    docker.failNext('unpause', 2);
    await faults.releaseLease('run-1');
    assert.equal(docker.stateOf(kv1), 'paused');
    assert.match(faults.list()[0]?.undoError ?? '', /unpause failed/);
    await clock.advance(500);
    assert.equal(docker.stateOf(kv1), 'paused', 'second attempt failed too');
    await clock.advance(500);
    assert.equal(docker.stateOf(kv1), 'running');
    assert.deepEqual(faults.list(), []);
    assert.equal(events.since(0).events.filter((e) => e.type === 'fault-undo-failed').length, 2);
    await stop();
  });

  it('service hooks: pause-loop resumes and slow-handler returns to normal speed when the lease ends', async () => {
    const { clock, faults, hooks, stop } = setup();
    faults.renewLease('h', TTL);
    await faults.add({ kind: 'pause-loop', target: 'dns-enactor-az-b', params: {}, holder: 'h' });
    await faults.add({ kind: 'slow-handler', target: 'kv-2', params: { ms: 200 }, holder: 'h' });
    assert.deepEqual(hooks, ['dns-enactor-az-b /v1/pause null', 'kv-2 /v1/slow {"ms":200}']);
    await clock.advance(TTL + 500);
    assert.deepEqual(hooks.slice(2).sort(), ['dns-enactor-az-b /v1/resume null', 'kv-2 /v1/slow {"ms":0}']);
    await stop();
  });

  it('a restarted controller undoes what the previous one left in its store', async () => {
    const { saved, store } = memoryStore();
    const first = setup(store);
    first.faults.renewLease('run', TTL);
    await first.faults.add({ kind: 'pause', target: 'kv-1', params: {}, holder: 'run' });
    await first.stop(); // the controller dies here, its memory with it
    assert.equal(saved.size, 1);
    const second = setup(store);
    second.docker.containers.clear();
    for (const [id, c] of first.docker.containers) second.docker.containers.set(id, c);
    assert.equal(await second.faults.recover(), 1);
    assert.equal(second.docker.stateOf(first.kv1), 'running');
    assert.equal(saved.size, 0);
    await second.stop();
  });

  it('a stored fault of a kind that no longer exists is reported and dropped, not retried on every sweep', async () => {
    const { saved, store } = memoryStore();
    saved.set('old1', { id: 'old1', kind: 'teleport', target: 'kv-1', params: {}, holder: null, expiresAt: 0, injectedAt: 0, undo: {} });
    const { clock, docker, kv1, faults, events, stop } = setup(store);
    assert.equal(await faults.recover(), 1);
    assert.deepEqual(faults.list(), []);
    assert.equal(saved.size, 0, 'dropped from the store');
    const dropped = events.since(0).events.filter((e) => e.type === 'fault-dropped');
    assert.equal(dropped.length, 1);
    assert.match(String(dropped[0]!.data.reason), /unknown fault kind "teleport"/);
    await clock.advance(2000);
    assert.equal(events.since(0).events.filter((e) => e.type === 'fault-undo-failed').length, 0, 'no sweep tries it again');
    // Its target is free for a new fault.
    await faults.add({ kind: 'pause', target: 'kv-1', params: {}, ttlMs: 60_000 });
    assert.equal(docker.stateOf(kv1), 'paused');
    await assert.rejects(faults.add({ kind: 'teleport', target: 'kv-2', params: {}, ttlMs: 1000 }), code('LAB_ERR_BAD_REQUEST', 400));
    await stop();
  });
});
