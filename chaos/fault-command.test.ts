import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../lib/log.js';
import { startProxyServer, type ProxyServer } from './proxy/index.js';
import { echoServer } from './proxy/test-support.js';
import { waitFor } from '../test/support/redis-server.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), 'cli.js');

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const done = new Promise<{ code: number | null; out: string }>((resolve) => child.on('exit', (code) => resolve({ code, out })));
  return { child, done };
}

describe('cascade-lab fault against a real fault proxy', () => {
  let server: ProxyServer;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    echo = await echoServer();
    server = await startProxyServer({ port: 0, seed: 1, log: silentLogger(), config: [{ name: 'link', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` }] });
    env = { CASCADE_LAB_FAULT_PROXY: server.url };
  });
  after(async () => {
    await server.close();
    await echo.close();
  });
  const toxics = () => server.collection.get('link').toxics.list().length;

  it('add holds the toxic for --for, list shows who holds it, then it is gone', async () => {
    const add = run(['fault', 'add', '--proxy', 'link', '--attr', 'latency=50', '--for', '3s'], env);
    await waitFor('the toxics', async () => toxics() === 2, 10_000);
    const list = await run(['fault', 'list'], env).done;
    assert.equal(list.code, 0, list.out);
    assert.match(list.out, /adhoc_latency_upstream: latency upstream .*held by fault-/);
    const { code } = await add.done;
    assert.equal(code, 0);
    assert.equal(toxics(), 0);
  });

  it('a killed `fault add` leaves nothing once its lease runs out', async () => {
    const add = run(['fault', 'add', '--proxy', 'link', '--attr', 'latency=50'], env);
    await waitFor('the toxics', async () => toxics() === 2, 10_000);
    add.child.kill('SIGKILL');
    await add.done;
    const killed = Date.now();
    await waitFor('the lease to run out', async () => toxics() === 0, 10_000);
    assert.ok(Date.now() - killed <= 10_000);
  });

  it('clear removes everything; a bad proxy name fails clearly', async () => {
    const add = run(['fault', 'add', '--proxy', 'link', '--type', 'bandwidth', '--attr', 'rate=10'], env);
    await waitFor('the toxics', async () => toxics() === 2, 10_000);
    assert.equal((await run(['fault', 'clear'], env).done).code, 0);
    assert.equal(toxics(), 0);
    add.child.kill('SIGTERM');
    await add.done;
    const bad = await run(['fault', 'add', '--proxy', 'nope', '--for', '1s'], env).done;
    assert.equal(bad.code, 2);
    assert.match(bad.out, /proxy not found/);
  });
});
