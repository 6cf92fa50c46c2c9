// No acknowledged write is lost: three real kv-store processes (main.js, with the Redis options they run
// with in the lab) over a redis-server with an append-only file on a temporary folder, writers recording
// every 200, and in the middle a node and then Redis killed with SIGKILL and started again. Every
// recorded write must read back. The same check against a Redis without persistence must find losses,
// which shows the check can fail.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { systemClock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { freePort } from '../../lib/free-port.js';
import { startPersistentRedis, startRedis, type Persistence } from '../../test/support/redis-server.js';
import { until } from '../../test/support/until.js';
import { emptyLedger, readBack, writeUntilStopped, type Ledger } from '../../test/support/write-ledger.js';
import { Admission } from './admission.js';
import { buildApp } from './app.js';
import { kvRedisOptions } from './redis-options.js';
import { KvStore } from './store.js';

const TOKEN = 'durability-token';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.js');

interface KvNode {
  id: string;
  url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
}

const isReady = async (url: string) => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) })).status === 200;

async function kvNode(id: string, redisUrl: string): Promise<KvNode> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const node: KvNode = {
    id,
    url,
    async start() {
      child = spawn(process.execPath, [MAIN], {
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ID: id, ADVERTISE_ADDRESS: '127.0.0.1', REDIS_URL: redisUrl, LAB_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'silent', REDIS_TIMEOUT_MS: '1000' },
        stdio: 'ignore',
      });
      await until(`${id} ready`, () => isReady(url), 15_000);
    },
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
  await node.start();
  return node;
}

/** Waits until the writers have `more` acknowledged writes beyond what they had when called. */
const acksGrow = (ledger: Ledger, more: number, what: string) => {
  const target = ledger.acked.length + more;
  return until(what, async () => ledger.acked.length >= target, 20_000);
};

const failuresSeen = (ledger: Ledger) => Object.values(ledger.failures).reduce((a, b) => a + b, 0);

/** Writes through three nodes while one node, then Redis, is killed and started again; reads everything back. */
async function crashRun(persistence: Persistence) {
  const redis = await startPersistentRedis(persistence);
  const nodes: KvNode[] = [];
  let stopped = false;
  try {
    for (const id of ['kv-1', 'kv-2', 'kv-3']) nodes.push(await kvNode(id, redis.url));
    const ledger = emptyLedger();
    const writing = writeUntilStopped({ urls: nodes.map((n) => n.url), token: TOKEN, writers: 6, prefix: `d-${persistence}`, timeoutMs: 3000, stop: () => stopped, maxMs: 90_000 }, ledger);
    await acksGrow(ledger, 150, 'writes before any fault');

    await nodes[1]!.kill();
    await acksGrow(ledger, 150, 'writes through the two nodes left');
    await nodes[1]!.start();

    const failedBefore = failuresSeen(ledger);
    await redis.kill();
    await until('writes to fail while Redis is down', async () => failuresSeen(ledger) >= failedBefore + 20, 10_000);
    const ackedWhileDown = ledger.acked.length;
    await redis.start();
    // Every node comes back by itself: none of them is restarted.
    await until('every node ready again after Redis restarted', async () => (await Promise.all(nodes.map((n) => isReady(n.url)))).every(Boolean), 15_000);
    await acksGrow(ledger, 150, 'writes after Redis restarted');
    stopped = true;
    await writing;
    const check = await readBack(nodes.map((n) => n.url), ledger, { timeoutMs: 2000, deadlineMs: 20_000 });
    return { ledger, check, ackedWhileDown };
  } finally {
    stopped = true;
    for (const n of nodes) await n.kill();
    await redis.stop();
  }
}

describe('durability of acknowledged kv writes', { timeout: 180_000 }, () => {
  it('loses no acknowledged write when a node and then Redis are killed with SIGKILL (appendfsync always)', async () => {
    const { ledger, check } = await crashRun('always');
    const failed = failuresSeen(ledger);
    assert.ok(failed > 0, 'the faults were felt by the writers');
    assert.ok((ledger.failures['503 KV_ERR_BACKEND'] ?? 0) > 0, `writes during the Redis outage answered 503: ${JSON.stringify(ledger.failures)}`);
    assert.deepEqual(check.unreadable, []);
    assert.deepEqual(check.lost, [], `${check.lost.length} acknowledged writes lost of ${check.checked}`);
    assert.equal(check.checked, ledger.acked.length + Object.keys(ledger.hot).length);
    assert.ok(ledger.acked.length >= 450);
  });

  it('the same check finds the losses of a Redis without persistence', async () => {
    const { ledger, check } = await crashRun('none');
    assert.deepEqual(check.unreadable, []);
    // Everything written before the restart is gone.
    assert.ok(check.lost.length >= 300, `expected the check to find lost writes, found ${check.lost.length} of ${ledger.acked.length}`);
  });
});

/** A TCP relay to Redis that can hold what clients send (Redis never sees it) and cut every connection. */
async function relay(target: number) {
  const pairs = new Set<{ client: Socket; server: Socket }>();
  let holding = false;
  const srv = createServer((client) => {
    const server = connect(target, '127.0.0.1');
    const pair = { client, server };
    pairs.add(pair);
    client.on('data', (d) => (holding ? undefined : server.write(d)));
    server.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as AddressInfo).port,
    hold: () => (holding = true),
    /** Resets every connection; new ones are relayed normally. */
    cut: () => {
      holding = false;
      for (const p of pairs) p.client.resetAndDestroy();
    },
    close: () => new Promise((resolve) => srv.close(resolve)),
  };
}

describe('a write that got no answer from Redis is never applied later', () => {
  it('is answered 503 and not sent again when the connection comes back', async () => {
    const redis = await startRedis();
    const link = await relay(redis.port);
    const client = new Redis(`redis://127.0.0.1:${link.port}`, kvRedisOptions(300));
    client.on('error', () => {});
    const app = buildApp({
      nodeId: 'kv-1', address: '127.0.0.1', store: new KvStore(client), admission: new Admission(4, 10, 0, systemClock),
      log: silentLogger(), adminToken: TOKEN, registry: createRegistry('kv-store', false), events: new EventLog(),
    });
    const auth = { authorization: `Bearer ${TOKEN}` };
    try {
      await until('node ready', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);
      link.hold(); // the write leaves the node and never reaches Redis: no answer
      const res = await app.inject({ method: 'PUT', url: '/v1/items/ghost', headers: auth, payload: { value: 'late' } });
      assert.equal(res.statusCode, 503, res.body);
      link.cut(); // the connection breaks; the node reconnects at once
      const refused = await app.inject({ method: 'PUT', url: '/v1/items/queued', headers: auth, payload: { value: 'while down' } });
      assert.equal(refused.statusCode, 503, 'a write while the connection is down fails at once');
      await until('node ready again', async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 10_000);
      // A write on the new connection is answered after anything sent before it.
      const after = await app.inject({ method: 'PUT', url: '/v1/items/after', headers: auth, payload: { value: 1 } });
      assert.equal(after.statusCode, 200);
      assert.equal((await app.inject({ method: 'GET', url: '/v1/items/ghost' })).statusCode, 404, 'the unanswered write was sent again after its 503');
      assert.equal((await app.inject({ method: 'GET', url: '/v1/items/queued' })).statusCode, 404, 'the refused write was queued and sent later');
    } finally {
      await app.close();
      client.disconnect();
      await link.close();
      await redis.stop();
    }
  });
});
