// startProxyServer: the standalone server as `cascade-lab proxy` starts it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../lib/log.js';
import { startProxyServer } from './server.js';
import { connect, echoServer, portOf, roundTrip } from './test-support.js';

test('starts the API and the configured proxies, and close() stops both', async (t) => {
  const echo = await echoServer();
  t.after(() => echo.close());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'toxiproxy.json');
  writeFileSync(file, JSON.stringify([{ name: 'echo', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }]));

  const server = await startProxyServer({ port: 0, host: '127.0.0.1', seed: 7, config: file, log: silentLogger() });
  assert.equal(server.seed, 7);
  const proxies = (await (await fetch(`${server.url}/proxies`)).json()) as Record<string, { listen: string; protocol: string }>;
  assert.deepEqual(Object.keys(proxies), ['echo']);
  assert.equal(proxies.echo!.protocol, 'tcp');
  const socket = await connect(portOf(proxies.echo!.listen));
  await roundTrip(socket);
  socket.destroy();

  await server.close();
  await server.close(); // twice is fine
  await assert.rejects(fetch(`${server.url}/proxies`));
  await assert.rejects(connect(portOf(proxies.echo!.listen)), /ECONNREFUSED/);
});

test('a bad config is refused with the file and the reason, and nothing keeps listening', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'proxy-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify([{ name: 'x', listen: '127.0.0.1:0', upstream: 'no-port' }]));
  await assert.rejects(startProxyServer({ port: 0, config: file, log: silentLogger() }), /bad\.json: 0\.upstream upstream: expected host:port/);
  writeFileSync(file, '{not json');
  await assert.rejects(startProxyServer({ port: 0, config: file, log: silentLogger() }), /bad\.json: .*JSON/);
  await assert.rejects(startProxyServer({ port: 0, config: path.join(dir, 'missing.json'), log: silentLogger() }), /ENOENT/);
});
