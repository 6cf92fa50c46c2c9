// Every TCP toxic, created with the official Toxiproxy client (toxiproxy-node-client) against the
// fault-proxy, and its effect measured on a real connection through it to an echo server. Assertions
// are on bytes, order and closes where possible; times use medians and wide margins, since the machine
// may be busy.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { fileFixture } from '../../test/support/file-fixture.js';
import { until } from '../../test/support/until.js';
import {
  apiUnderTest,
  collect,
  connect,
  echoServer,
  medianRoundTrip,
  portOf,
  readBytes,
  toxiproxyClientClass,
  within,
  type ProxyHandle,
} from './test-support.js';

const Toxiproxy = await toxiproxyClientClass();
/** A late timer on a loaded 2-core box; generous on the slow side only. */
const LATE_MS = 60;

let echo: Awaited<ReturnType<typeof echoServer>>;
fileFixture(
  async () => {
    echo = await echoServer();
  },
  async () => echo?.close(),
);

/** The API listening on loopback, the client pointed at it, and one proxy to the echo server. */
async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<{ proxy: ProxyHandle; port: number }> {
  const client = new Toxiproxy(await apiUnderTest(t).listen());
  const proxy = await client.createProxy({ name: 'kv-az-a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
  return { proxy, port: portOf(proxy.listen) };
}

test('latency 100 ms adds about 100 ms to the median round trip', async (t) => {
  const { proxy, port } = await setup(t);
  const socket = await connect(port);
  t.after(() => void socket.destroy());
  const base = await medianRoundTrip(socket);
  await proxy.addToxic({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });
  const added = (await medianRoundTrip(socket)) - base;
  assert.ok(added >= 99 && added <= 100 + LATE_MS, `added ${added.toFixed(1)} ms`);
});

test('bandwidth 100 KB/s delivers 100 KB in about 1 s (±30 %), every byte in order', async (t) => {
  const { proxy, port } = await setup(t);
  await proxy.addToxic({ type: 'bandwidth', stream: 'downstream', toxicity: 1, attributes: { rate: 100 } });
  const socket = await connect(port);
  t.after(() => void socket.destroy());
  const payload = randomBytes(100_000);
  const start = performance.now();
  const reply = readBytes(socket, payload.length, 10_000);
  socket.write(payload);
  assert.ok((await reply).equals(payload), 'the same bytes, in order');
  const seconds = (performance.now() - start) / 1000;
  const rate = payload.length / 1000 / seconds;
  assert.ok(rate >= 70 && rate <= 130, `measured ${rate.toFixed(1)} KB/s over ${seconds.toFixed(2)} s`);
});

test('reset_peer: the client gets ECONNRESET after the timeout, and none of the reply', async (t) => {
  const { proxy, port } = await setup(t);
  await proxy.addToxic({ type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 100 } });
  const socket = await connect(port);
  t.after(() => void socket.destroy());
  const seen = collect(socket);
  const start = performance.now();
  socket.write('ping');
  const end = await within(5000, 'the reset', seen.ended);
  assert.equal(end.error?.code, 'ECONNRESET');
  assert.equal(seen.bytes().length, 0);
  assert.ok(end.at - start >= 95, `reset after ${(end.at - start).toFixed(0)} ms, not before the 100 ms timeout`);
});

test('limit_data: exactly N bytes arrive, then the connection closes', async (t) => {
  const { proxy, port } = await setup(t);
  await proxy.addToxic({ type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 1000 } });
  const socket = await connect(port);
  t.after(() => void socket.destroy());
  const seen = collect(socket);
  const payload = randomBytes(5000);
  // In pieces, so the limit falls inside a chunk as well as on a boundary.
  socket.write(payload.subarray(0, 600));
  await until('the first 600 bytes', () => seen.bytes().length === 600);
  socket.write(payload.subarray(600));
  const end = await within(5000, 'the close', seen.ended);
  assert.equal(end.error, undefined, 'a clean close (FIN), not a reset');
  assert.equal(seen.bytes().length, 1000);
  assert.ok(seen.bytes().equals(payload.subarray(0, 1000)));
});

test('timeout 0 holds every byte and keeps the connection; removing it closes the connection', async (t) => {
  const { proxy, port } = await setup(t);
  const toxic = await proxy.addToxic({ type: 'timeout', stream: 'upstream', toxicity: 1, attributes: { timeout: 0 } });
  const socket = await connect(port);
  t.after(() => void socket.destroy());
  const seen = collect(socket);
  let closed = false;
  void seen.ended.then(() => (closed = true));
  const before = echo.bytesReceived();
  socket.write('ping');
  // Nothing is expected, so there is nothing to poll for: a fixed observation window is the check.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(echo.bytesReceived() - before, 0, 'no byte reached the upstream');
  assert.equal(closed, false, 'the connection stays open');
  await toxic.remove();
  const end = await within(5000, 'the close after removal', seen.ended);
  assert.equal(end.error, undefined);
  assert.equal(seen.bytes().length, 0);
});

test('timeout 200 closes the connection about 200 ms after it opened', async (t) => {
  const { proxy, port } = await setup(t);
  await proxy.addToxic({ type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 200 } });
  const start = performance.now();
  const socket = await connect(port);
  t.after(() => void socket.destroy());
  const seen = collect(socket);
  const end = await within(5000, 'the timeout', seen.ended);
  const after = end.at - start;
  assert.ok(after >= 190 && after <= 200 + 5 * LATE_MS, `closed after ${after.toFixed(0)} ms`);
  assert.equal(seen.bytes().length, 0);
});

test('slicer delivers the same bytes in many more chunks', async (t) => {
  const { proxy, port } = await setup(t);
  const payload = randomBytes(8000);
  const chunksOf = async () => {
    const socket = await connect(port);
    const seen = collect(socket);
    socket.write(payload);
    await until('the whole echo', () => seen.bytes().length >= payload.length, 10_000);
    socket.destroy();
    assert.ok(seen.bytes().equals(payload), 'the same bytes, in order');
    return seen.chunks.length;
  };
  const plain = await chunksOf();
  await proxy.addToxic({ type: 'slicer', stream: 'downstream', toxicity: 1, attributes: { average_size: 100, size_variation: 20, delay: 2000 } });
  const sliced = await chunksOf();
  // About 8000 / 100 = 80 pieces 2 ms apart; a slow reader may merge a few.
  assert.ok(sliced >= 20 && sliced > plain * 4, `${plain} chunks without the toxic, ${sliced} with it`);
});

test('slow_close holds the close back by its delay', async (t) => {
  const { proxy, port } = await setup(t);
  const closeAfter = async () => {
    const socket = await connect(port);
    const seen = collect(socket);
    const start = performance.now();
    socket.end('bye');
    const end = await within(5000, 'the close', seen.ended);
    socket.destroy();
    assert.equal(seen.bytes().toString(), 'bye');
    return end.at - start;
  };
  const plain = await closeAfter();
  await proxy.addToxic({ type: 'slow_close', stream: 'downstream', toxicity: 1, attributes: { delay: 300 } });
  const slow = await closeAfter();
  assert.ok(slow >= 295 && slow <= 300 + plain + 5 * LATE_MS, `close after ${slow.toFixed(0)} ms (without the toxic ${plain.toFixed(0)} ms)`);
});
