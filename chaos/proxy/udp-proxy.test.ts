// UDP proxies on loopback: a DNS-like echo server behind a proxy with "protocol": "udp"; replies go back
// to the right client, sessions expire, and the UDP toxics (latency, drop, duplicate) do what they say,
// drop repeating itself under the same seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileFixture } from '../../test/support/file-fixture.js';
import { until } from '../../test/support/until.js';
import { apiUnderTest, newCollection, portOf, udpClient, udpEchoServer, within } from './test-support.js';
import type { UdpProxy } from './udp-proxy.js';

let echo: Awaited<ReturnType<typeof udpEchoServer>>;
fileFixture(
  async () => {
    echo = await udpEchoServer();
  },
  async () => echo?.close(),
);

async function udpProxied(t: { after: (fn: () => Promise<void>) => void }, opts: Parameters<typeof newCollection>[0] = {}) {
  const { collection } = newCollection(opts);
  t.after(() => collection.clear());
  const proxy = (await collection.add({ name: 'dns', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, protocol: 'udp' })) as UdpProxy;
  const client = await udpClient();
  t.after(async () => client.close());
  return { collection, proxy, client, port: portOf(proxy.listen) };
}

/** Sends one datagram and waits for the echo of exactly that payload; resolves with the round trip in ms. */
async function roundTrip(client: Awaited<ReturnType<typeof udpClient>>, port: number, payload: string): Promise<number> {
  // Timed on the 'message' event itself: polling would round the time up to the poll interval.
  const replied = new Promise<number>((resolve) => {
    const onMessage = (data: Buffer) => {
      if (data.toString() !== payload) return;
      client.socket.off('message', onMessage);
      resolve(performance.now());
    };
    client.socket.on('message', onMessage);
  });
  const start = performance.now();
  client.send(payload, port);
  return (await within(5000, `the echo of ${payload}`, replied)) - start;
}

async function medianRoundTrip(client: Awaited<ReturnType<typeof udpClient>>, port: number, tag: string, n = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await roundTrip(client, port, `${tag}-${i}`));
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

test('datagrams reach the upstream and replies come back to the client that sent them', async (t) => {
  const { proxy, client, port } = await udpProxied(t);
  const other = await udpClient();
  t.after(async () => other.close());
  client.send('from-a', port);
  other.send('from-b', port);
  await until('both replies', () => client.received.length === 1 && other.received.length === 1);
  assert.equal(client.received[0]!.toString(), 'from-a');
  assert.equal(other.received[0]!.toString(), 'from-b');
  assert.equal(proxy.connectionCount, 2, 'one upstream socket per client address');
  assert.equal(proxy.toJSON().protocol, 'udp');
});

test('a client address silent for udpIdleMs loses its session', async (t) => {
  const { proxy, client, port } = await udpProxied(t, { udpIdleMs: 150 });
  await roundTrip(client, port, 'hello');
  assert.equal(proxy.connectionCount, 1);
  await until('the session to expire', () => proxy.connectionCount === 0, 3000);
  await roundTrip(client, port, 'again');
  assert.equal(proxy.connectionCount, 1, 'a new session for the next datagram');
});

test('latency 100 ms adds about 100 ms to the median round trip', async (t) => {
  const { proxy, client, port } = await udpProxied(t);
  const base = await medianRoundTrip(client, port, 'base');
  proxy.toxics.add({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100 } });
  const added = (await medianRoundTrip(client, port, 'slow')) - base;
  assert.ok(added >= 99 && added <= 160, `added ${added.toFixed(1)} ms`);
});

test('duplicate delivers every datagram twice, and only in its stream', async (t) => {
  const { proxy, client, port } = await udpProxied(t);
  proxy.toxics.add({ type: 'duplicate', stream: 'downstream', toxicity: 1, attributes: {} });
  const before = echo.received.length;
  for (const name of ['a', 'b', 'c']) client.send(name, port);
  await until('six replies', () => client.received.length === 6);
  assert.deepEqual(client.received.map(String).sort(), ['a', 'a', 'b', 'b', 'c', 'c']);
  await until('the upstream counted', () => proxy.counts.upstream.delivered === 3);
  assert.equal(echo.received.length - before, 3, 'the upstream got each datagram once');
});

/** Sends 40 numbered datagrams through a drop toxic and returns which numbers came back. */
async function survivors(t: { after: (fn: () => Promise<void>) => void }, seed: number): Promise<number[]> {
  const { proxy, client, port } = await udpProxied(t, { seed });
  proxy.toxics.add({ type: 'drop', stream: 'upstream', toxicity: 1, attributes: { probability: 0.5 } });
  for (let i = 0; i < 40; i++) client.send(String(i), port);
  // Every datagram is decided before we look: received counts all 40, delivered those let through.
  await until('all 40 decided', () => proxy.counts.upstream.received === 40);
  const delivered = proxy.counts.upstream.delivered;
  await until('the replies of those let through', () => client.received.length === delivered);
  return client.received.map((d) => Number(d.toString())).sort((a, b) => a - b);
}

test('drop with a seed drops the same datagrams again; another seed drops others', async (t) => {
  const first = await survivors(t, 2025);
  const second = await survivors(t, 2025);
  assert.deepEqual(second, first);
  assert.ok(first.length > 5 && first.length < 35, `probability 0.5 lets about half through: ${first.length} of 40`);
  assert.notDeepEqual(await survivors(t, 1020), first);
});

test('drop with toxicity 0 or probability 0 drops nothing', async (t) => {
  const { proxy, client, port } = await udpProxied(t);
  proxy.toxics.add({ name: 'never', type: 'drop', stream: 'upstream', toxicity: 0, attributes: {} });
  proxy.toxics.add({ name: 'zero', type: 'drop', stream: 'downstream', toxicity: 1, attributes: { probability: 0 } });
  for (let i = 0; i < 20; i++) client.send(String(i), port);
  await until('20 replies', () => client.received.length === 20);
});

test('the API creates UDP proxies and their toxics, and refuses what does not fit with 400', async (t) => {
  const { call } = apiUnderTest(t);
  const created = await call('POST', '/proxies', { name: 'dns', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, protocol: 'udp' });
  assert.equal(created.status, 201);
  assert.equal(created.body.protocol, 'udp');
  assert.equal((await call('GET', '/proxies')).body.dns.protocol, 'udp');

  const drop = await call('POST', '/proxies/dns/toxics', { type: 'drop', stream: 'upstream', toxicity: 0.2, attributes: {} });
  assert.deepEqual(drop.body, { attributes: { probability: 1 }, name: 'drop_upstream', type: 'drop', stream: 'upstream', toxicity: 0.2 });
  const latency = await call('POST', '/proxies/dns/toxics', { type: 'latency', attributes: { latency: 20, jitter: 5 } });
  assert.deepEqual(latency.body.attributes, { latency: 20, jitter: 5 });
  assert.equal((await call('POST', '/proxies/dns/toxics/drop_upstream', { attributes: { probability: 0.5 } })).body.attributes.probability, 0.5);
  assert.equal((await call('DELETE', '/proxies/dns/toxics/drop_upstream')).status, 204);

  await call('POST', '/proxies', { name: 'tcp', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
  const bad: [string, string, unknown, RegExp][] = [
    ['POST', '/proxies', { name: 'x', upstream: `127.0.0.1:${echo.port}`, protocol: 'sctp' }, /protocol: expected "tcp" or "udp"/],
    ['POST', '/proxies', { name: 'x', upstream: `127.0.0.1:${echo.port}`, protocol: 17 }, /protocol/],
    ['POST', '/proxies/dns', { protocol: 'tcp' }, /protocol: cannot change udp to tcp/],
    ['POST', '/proxies/dns/toxics', { type: 'bandwidth', attributes: { rate: 10 } }, /^invalid toxic type$/],
    ['POST', '/proxies/tcp/toxics', { type: 'drop' }, /^invalid toxic type$/],
    ['POST', '/proxies/dns/toxics', { type: 'drop', attributes: { probability: 2 } }, /attributes.probability: expected 0..1/],
    ['POST', '/proxies/dns/toxics', { type: 'drop', attributes: { probability: 'half' } }, /attributes.probability: expected a number/],
    ['POST', '/proxies/tcp/toxics', { type: 'bandwidth', attributes: { rate: -1 } }, /attributes.rate: expected >= 0/],
    ['POST', '/proxies/tcp/toxics', { type: 'bandwidth', attributes: { rate: 1.5 } }, /attributes.rate: expected an integer/],
    ['POST', '/proxies/tcp/toxics', { type: 'slicer', attributes: { average_size: 'big' } }, /attributes.average_size: expected a number of bytes/],
    ['POST', '/proxies/tcp/toxics', { type: 'limit_data', attributes: { bytes: null } }, /attributes.bytes/],
    ['POST', '/proxies/tcp/toxics', { type: 'timeout', attributes: { timeout: -5 } }, /attributes.timeout: expected >= 0/],
    ['POST', '/proxies/tcp/toxics', { type: 'reset_peer', attributes: { timeout: '1s' } }, /attributes.timeout/],
    ['POST', '/proxies/tcp/toxics', { type: 'slow_close', attributes: { delay: 4_000_000 } }, /attributes.delay: expected <= 3600000/],
  ];
  for (const [method, url, payload, message] of bad) {
    const res = await call(method as 'POST', url, payload);
    assert.equal(res.status, 400, `${url} ${JSON.stringify(payload)}: ${JSON.stringify(res.body)}`);
    assert.match(res.body.error, message, JSON.stringify(payload));
  }
  assert.equal((await call('GET', '/proxies/dns')).body.protocol, 'udp', 'unchanged');
});
