// Drives the API with the real Toxiproxy Node client (toxiproxy-node-client, a devDependency), to show
// that an unchanged Toxiproxy client works against the fault-proxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiUnderTest, connect, echoServer, portOf, roundTrip, toxiproxyClientClass } from './test-support.js';

const Toxiproxy = await toxiproxyClientClass();

test('toxiproxy-node-client drives the fault-proxy: proxy, latency toxic, read back, remove', async (t) => {
  const echo = await echoServer();
  const api = apiUnderTest(t);
  t.after(() => echo.close()); // after the API's teardown: hooks run in the order they were added
  const toxiproxy = new Toxiproxy(await api.listen());

  assert.match(await toxiproxy.getVersion(), /"version"/);
  const proxy = await toxiproxy.createProxy({ name: 'enactor-az-a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
  assert.equal(proxy.name, 'enactor-az-a');
  assert.equal(proxy.enabled, true);
  assert.deepEqual(Object.keys(await toxiproxy.getAll()), ['enactor-az-a']);

  const toxic = await proxy.addToxic({ type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 80, jitter: 0 } });
  assert.equal(toxic.name, 'latency_downstream');
  const readBack = await (await toxiproxy.get('enactor-az-a')).getToxic('latency_downstream');
  assert.deepEqual(readBack.attributes, { latency: 80, jitter: 0 });
  assert.equal(readBack.stream, 'downstream');

  const socket = await connect(portOf(proxy.listen));
  assert.ok((await roundTrip(socket)) >= 79, 'the toxic really delays');

  // The client sends the whole toxic back on update; only attributes and toxicity count.
  const updated = await readBack.update({ ...readBack, attributes: { latency: 80, jitter: 5 } });
  assert.deepEqual(updated.attributes, { latency: 80, jitter: 5 });

  await readBack.remove();
  await assert.rejects(proxy.getToxic('latency_downstream'), /404/);
  assert.ok((await roundTrip(socket)) < 50, 'the delay (80 ms) is gone on the same connection');
  socket.destroy();

  const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
  assert.equal(disabled.enabled, false);
  await toxiproxy.reset();
  assert.equal((await toxiproxy.get('enactor-az-a')).enabled, true);
  const populated = await toxiproxy.populate([{ name: 'enactor-az-b', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }]);
  assert.deepEqual(Object.keys(populated), ['enactor-az-b']);
  await proxy.remove();
  await assert.rejects(toxiproxy.get('enactor-az-a'), /404/);
});
