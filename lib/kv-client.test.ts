import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { systemClock } from './clock.js';
import { EventLog } from './events.js';
import { ConditionFailed, DnsFailure, KvClient, Rejected, Timeout, Unavailable } from './kv-client.js';
import { silentLogger } from './log.js';
import { createRegistry } from './metrics.js';
import { Resolver, type Answer } from './resolver.js';
import { freePort } from './free-port.js';
import { startRedis, type TestRedis } from '../test/support/redis-server.js';
import { Admission } from '../services/kv-store/admission.js';
import { buildApp } from '../services/kv-store/app.js';
import { KvStore } from '../services/kv-store/store.js';

const TOKEN = 'test-token';
const NAME = 'kv.us-east-1.lab.internal';

describe('kv client over a real kv-store app, by name', () => {
  let redis: TestRedis;
  let client: Redis;
  let app: ReturnType<typeof buildApp>;
  let port: number;
  let answer: Answer[] = [];
  const resolver = () => new Resolver({ minTtlMs: 0, negativeTtlMs: 0, lookup: async (name) => {
    assert.equal(name, NAME);
    if (answer.length === 0) throw Object.assign(new Error('ENODATA'), { code: 'ENODATA' });
    return answer;
  } });
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    client.on('error', () => undefined);
    app = buildApp({
      nodeId: 'kv-1', address: '127.0.0.1', store: new KvStore(client), admission: new Admission(4, 100, 0, systemClock),
      log: silentLogger(), adminToken: TOKEN, registry: createRegistry('kv-store', false), events: new EventLog(),
    });
    port = await freePort();
    await app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    client.disconnect();
    await redis.stop();
  });

  it('gets, puts conditionally and deletes, with typed errors', async () => {
    answer = [{ address: '127.0.0.1', ttl: 1 }];
    const kv = new KvClient({ url: `http://${NAME}:${port}`, token: TOKEN, resolver: resolver() });
    const key = 'lease/droplet/az-a-d001';
    assert.equal(await kv.get(key), null);
    assert.deepEqual(await kv.put(key, { holder: 'dwfm' }, { expectedVersion: 0 }), { version: 1 });
    assert.deepEqual(await kv.get(key), { key, value: { holder: 'dwfm' }, version: 1 });
    await assert.rejects(kv.put(key, { holder: 'x' }, { expectedVersion: 0 }), (err: ConditionFailed) => err instanceof ConditionFailed && err.actualVersion === 1);
    assert.deepEqual(await kv.put(key, { holder: 'dwfm', n: 2 }, { expectedVersion: 1 }), { version: 2 });
    assert.equal(await kv.delete(key, { expectedVersion: 2 }), true);
    assert.equal(await kv.delete(key), false);
    assert.deepEqual(kv.addresses, ['127.0.0.1']);
    const wrongToken = new KvClient({ url: `http://${NAME}:${port}`, token: 'nope', resolver: resolver() });
    await assert.rejects(wrongToken.put('a', 1), (err: Rejected) => err instanceof Rejected && err.status === 401);
    await kv.close();
    await wrongToken.close();
  });

  it('fails with DnsFailure when the endpoint has no addresses, however healthy the store', async () => {
    answer = [];
    const kv = new KvClient({ url: `http://${NAME}:${port}`, token: TOKEN, resolver: resolver() });
    await assert.rejects(kv.get('a'), (err: DnsFailure) => err instanceof DnsFailure && err.dnsCode === 'ENODATA');
    answer = [{ address: '127.0.0.1', ttl: 1 }];
    assert.equal(await kv.get('a'), null, 'works again as soon as the name resolves');
    await kv.close();
  });

  it('fails with Unavailable when the address does not answer, and Timeout when it is too slow', async () => {
    const deadPort = await freePort();
    answer = [{ address: '127.0.0.1', ttl: 1 }];
    const dead = new KvClient({ url: `http://${NAME}:${deadPort}`, token: TOKEN, resolver: resolver() });
    await assert.rejects(dead.get('a'), (err: Unavailable) => err instanceof Unavailable && err.status === 0);
    await dead.close();

    const { createServer } = await import('node:http');
    const slow = createServer(() => undefined); // never answers
    const slowPort = await freePort();
    await new Promise<void>((resolve) => slow.listen(slowPort, '127.0.0.1', resolve));
    const kv = new KvClient({ url: `http://${NAME}:${slowPort}`, token: TOKEN, resolver: resolver(), timeoutMs: 150 });
    await assert.rejects(kv.get('a'), Timeout);
    await kv.close();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });

  it("passes the caller's abort reason through", async () => {
    answer = [{ address: '127.0.0.1', ttl: 1 }];
    const kv = new KvClient({ url: `http://${NAME}:${port}`, token: TOKEN, resolver: resolver() });
    const controller = new AbortController();
    const reason = new Error('item abandoned');
    controller.abort(reason);
    await assert.rejects(kv.get('a', { signal: controller.signal }), (err) => err === reason);
    await kv.close();
  });
});
