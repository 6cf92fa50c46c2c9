// Proxies on loopback with real sockets: bytes both ways, latency on each stream, toxicity, seeds,
// live removal, refusing upstreams, disabling.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { fileFixture } from '../../test/support/file-fixture.js';
import type { Proxy } from './proxy.js';
import { until } from '../../test/support/until.js';
import { closedByPeer, connect, echoServer, medianRoundTrip, newCollection, portOf, readBytes, roundTrip } from './test-support.js';

// Round trips on loopback take well under a millisecond; a timer may fire a few ms late on a busy machine.
const TOLERANCE_MS = 40;
/** "Not delayed" when the toxic would add 100 ms or more: far from both, so a loaded CI box still passes. */
const UNDELAYED_MS = 50;

let echo: Awaited<ReturnType<typeof echoServer>>;
fileFixture(
  async () => {
    echo = await echoServer();
  },
  async () => echo?.close(),
);

async function proxied(opts: Parameters<typeof newCollection>[0] = {}, upstreamHost = '127.0.0.1') {
  const { collection, events, registry } = newCollection(opts);
  const proxy = (await collection.add({ name: 'echo', listen: '127.0.0.1:0', upstream: `${upstreamHost}:${echo.port}` })) as Proxy;
  return { collection, proxy, events, registry, port: portOf(proxy.listen) };
}

test('bytes pass both ways unchanged, and a half-close is passed on (upstream named by host name)', async () => {
  const { collection, port } = await proxied({}, 'localhost');
  try {
    const socket = await connect(port);
    const payload = randomBytes(3 * 1024 * 1024);
    const reply = readBytes(socket, payload.length, 10_000);
    socket.end(payload);
    assert.ok((await reply).equals(payload));
    await once(socket, 'end');
  } finally {
    await collection.clear();
  }
});

test('a 100 ms latency toxic adds about 100 ms per round trip, downstream, upstream, and both', async () => {
  const { collection, proxy, port } = await proxied();
  try {
    const socket = await connect(port);
    const base = await medianRoundTrip(socket);
    assert.ok(base < UNDELAYED_MS, `no toxic: ${base.toFixed(1)} ms`);

    proxy.toxics.add({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100 } });
    const down = await medianRoundTrip(socket);
    assert.ok(Math.abs(down - base - 100) <= TOLERANCE_MS, `downstream: ${down.toFixed(1)} ms`);

    proxy.toxics.remove('latency_downstream');
    proxy.toxics.add({ type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 100 } });
    const up = await medianRoundTrip(socket);
    assert.ok(Math.abs(up - base - 100) <= TOLERANCE_MS, `upstream: ${up.toFixed(1)} ms`);

    proxy.toxics.add({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100 } });
    const both = await medianRoundTrip(socket);
    assert.ok(Math.abs(both - base - 200) <= TOLERANCE_MS, `both: ${both.toFixed(1)} ms`);

    proxy.toxics.reset();
    const removed = await medianRoundTrip(socket);
    assert.ok(removed < UNDELAYED_MS, `toxics removed: ${removed.toFixed(1)} ms`);
    socket.destroy();
  } finally {
    await collection.clear();
  }
});

test('with jitter every round trip stays within latency ± jitter', async () => {
  const { collection, proxy, port } = await proxied();
  try {
    proxy.toxics.add({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 60, jitter: 30 } });
    const socket = await connect(port);
    const times: number[] = [];
    for (let i = 0; i < 12; i++) times.push(await roundTrip(socket));
    for (const t of times) assert.ok(t >= 30 - 1 && t <= 90 + TOLERANCE_MS, `round trip ${t.toFixed(1)} ms outside 30..90`);
    socket.destroy();
  } finally {
    await collection.clear();
  }
});

test('toxicity 0 never delays a connection; 1 always does', async () => {
  const { collection, proxy, port } = await proxied();
  try {
    proxy.toxics.add({ type: 'latency', stream: 'downstream', toxicity: 0, attributes: { latency: 200 } });
    for (let i = 0; i < 5; i++) {
      const socket = await connect(port);
      const t = await roundTrip(socket);
      assert.ok(t < 100, `toxicity 0 (latency 200): ${t.toFixed(1)} ms`);
      socket.destroy();
    }
    proxy.toxics.update('latency_downstream', { toxicity: 1, attributes: { latency: 60 } });
    for (let i = 0; i < 3; i++) {
      const socket = await connect(port);
      const t = await roundTrip(socket);
      assert.ok(t >= 60 - 1, `toxicity 1: ${t.toFixed(1)} ms`);
      socket.destroy();
    }
  } finally {
    await collection.clear();
  }
});

/** Opens n connections one after another and returns which of them the toxic applies to. */
async function decisions(seed: number, n = 24): Promise<boolean[]> {
  const { collection, proxy, port } = await proxied({ seed });
  try {
    proxy.toxics.add({ type: 'latency', stream: 'downstream', toxicity: 0.5, attributes: { latency: 1 } });
    const sockets: net.Socket[] = [];
    for (let i = 0; i < n; i++) {
      sockets.push(await connect(port));
      await until('connection accepted', () => proxy.connectionCount === i + 1);
    }
    // Links start once the upstream answers.
    await until('all links up', () => proxy.state().connections.every((c) => c.linked));
    const result = proxy
      .state()
      .connections.sort((a, b) => a.id - b.id)
      .map((c) => c.toxics.downstream.includes('latency_downstream'));
    for (const s of sockets) s.destroy();
    return result;
  } finally {
    await collection.clear();
  }
}

test('the same FAULT_SEED makes the same toxicity decisions, connection by connection', async () => {
  const first = await decisions(1234);
  const second = await decisions(1234);
  assert.deepEqual(first, second);
  assert.ok(first.some(Boolean) && !first.every(Boolean), `toxicity 0.5 hits some connections: ${first.join(',')}`);
  assert.notDeepEqual(await decisions(99), first, 'another seed decides differently');
});

test('removing the toxic removes the delay on an open connection', async () => {
  const { collection, proxy, port } = await proxied();
  try {
    const socket = await connect(port);
    proxy.toxics.add({ type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 100 } });
    const slow = await roundTrip(socket);
    assert.ok(slow >= 100 - 1, `with toxic: ${slow.toFixed(1)} ms`);
    proxy.toxics.remove('latency_upstream');
    const fast = await medianRoundTrip(socket, 5);
    assert.ok(fast < UNDELAYED_MS, `after removal: ${fast.toFixed(1)} ms`);
    socket.destroy();
  } finally {
    await collection.clear();
  }
});

test('an upstream that refuses closes the client connection and is counted', async () => {
  const closed = net.createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));

  const { collection, registry } = newCollection();
  try {
    const proxy = await collection.add({ name: 'dead', listen: '127.0.0.1:0', upstream: `127.0.0.1:${deadPort}` });
    const socket = await connect(portOf(proxy.listen));
    await closedByPeer(socket);
    const metrics = await registry.metrics();
    assert.match(metrics, /fault_proxy_upstream_connect_failures_total\{proxy="dead"[^}]*\} 1/);
    await until('connection forgotten', () => proxy.connectionCount === 0);
  } finally {
    await collection.clear();
  }
});

test('disabling a proxy closes its connections and its listener; enabling brings it back', async () => {
  const { collection, proxy, port } = await proxied();
  try {
    const socket = await connect(port);
    await roundTrip(socket);
    await collection.update('echo', { enabled: false });
    await closedByPeer(socket);
    assert.equal(proxy.listening, false);
    await assert.rejects(connect(port), /ECONNREFUSED/);
    await collection.update('echo', { enabled: true });
    const again = await connect(portOf(proxy.listen));
    assert.ok((await roundTrip(again)) < UNDELAYED_MS);
    again.destroy();
  } finally {
    await collection.clear();
  }
});
