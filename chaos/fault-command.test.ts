import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../lib/log.js';
import { startProxyServer, type ProxyServer } from './proxy/index.js';
import { echoServer } from './proxy/test-support.js';
import { until } from '../test/support/until.js';
import { TEST_TOKEN, testController } from '../test/support/controller.js';
import { LabContainers } from './faults/docker.js';
import { FakeDocker } from './faults/test-support.js';

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
    // Port 9 (discard) answers nobody: a lab a developer has running on 8080 is never touched.
    env = { CASCADE_LAB_FAULT_PROXY: server.url, CASCADE_LAB_CONTROLLER: 'http://127.0.0.1:9' };
  });
  after(async () => {
    await server.close();
    await echo.close();
  });
  const toxics = () => server.collection.get('link').toxics.list().length;

  it('add holds the toxic for --for, list shows who holds it, then it is gone', async () => {
    // Long enough that `fault list`, a second Node process, starts and asks while the toxic is held on a loaded machine
    // (a CI run with 3 s saw the lease end first).
    const add = run(['fault', 'add', '--proxy', 'link', '--attr', 'latency=50', '--for', '15s'], env);
    await until('the toxics', async () => toxics() === 2, 10_000);
    const list = await run(['fault', 'list'], env).done;
    assert.equal(list.code, 0, list.out);
    assert.match(list.out, /adhoc_latency_upstream: latency upstream .*held by fault-/);
    const { code } = await add.done;
    assert.equal(code, 0);
    assert.equal(toxics(), 0);
  });

  it('a killed `fault add` leaves nothing once its lease runs out', async () => {
    const add = run(['fault', 'add', '--proxy', 'link', '--attr', 'latency=50'], env);
    await until('the toxics', async () => toxics() === 2, 10_000);
    add.child.kill('SIGKILL');
    await add.done;
    const killed = Date.now();
    await until('the lease to run out', async () => toxics() === 0, 10_000);
    assert.ok(Date.now() - killed <= 10_000);
  });

  it('clear removes everything; a bad proxy name fails clearly', async () => {
    const add = run(['fault', 'add', '--proxy', 'link', '--type', 'bandwidth', '--attr', 'rate=10'], env);
    await until('the toxics', async () => toxics() === 2, 10_000);
    assert.equal((await run(['fault', 'clear'], env).done).code, 0);
    assert.equal(toxics(), 0);
    add.child.kill('SIGTERM');
    await add.done;
    const bad = await run(['fault', 'add', '--proxy', 'nope', '--for', '1s'], env).done;
    assert.equal(bad.code, 2);
    assert.match(bad.out, /proxy not found/);
  });
});

describe('cascade-lab fault with container faults, against a controller over a fake Docker', () => {
  const docker = new FakeDocker();
  const kv1 = docker.add('lab', 'kv-1', [{ network: 'lab_lab', ipv4: '10.1.1.1', aliases: ['kv-1'] }]);
  const controller = testController({ containers: new LabContainers(docker, 'lab', 'controller') });
  let env: NodeJS.ProcessEnv;
  let proxy: ProxyServer;
  before(async () => {
    proxy = await startProxyServer({ port: 0, seed: 1, log: silentLogger(), config: [] });
    const url = await controller.listen();
    env = { CASCADE_LAB_FAULT_PROXY: proxy.url, CASCADE_LAB_CONTROLLER: url, LAB_ADMIN_TOKEN: TEST_TOKEN };
    controller.start();
  });
  after(async () => {
    await controller.stop();
    await proxy.close();
  });

  it('kinds lists the whole catalogue with parameters', async () => {
    const { code, out } = await run(['fault', 'kinds'], env).done;
    assert.equal(code, 0);
    for (const kind of ['latency', 'udp-drop', 'kill', 'stop', 'pause', 'restart', 'disconnect', 'pause-loop', 'slow-handler']) assert.match(out, new RegExp(`^${kind} `, 'm'));
    assert.match(out, /ms \(required, integer 1\.\.60000\)/);
  });

  it('a paused container is unpaused within 10 s of `fault add pause` being killed with -9, and list shows it meanwhile', async () => {
    const add = run(['fault', 'add', 'pause', 'kv-1'], env);
    await until('the pause', async () => docker.stateOf(kv1) === 'paused', 10_000);
    const list = await run(['fault', 'list'], env).done;
    assert.match(list.out, /: pause kv-1 \{\} {2}\(held by fault-/);
    add.child.kill('SIGKILL');
    await add.done;
    const killed = Date.now();
    await until('the controller to undo it', async () => docker.stateOf(kv1) === 'running', 10_000);
    assert.ok(Date.now() - killed <= 10_000);
  });

  it('Ctrl-C and clear undo at once; bad input fails with a message that names the problem', async () => {
    const add = run(['fault', 'add', 'disconnect', 'kv-1'], env);
    await until('the disconnect', async () => (await docker.inspect(kv1)).attachments.length === 0, 10_000);
    add.child.kill('SIGINT');
    assert.equal((await add.done).code, 0);
    assert.equal((await docker.inspect(kv1)).attachments.length, 1);
    const kill = run(['fault', 'add', 'kill', 'kv-1'], env);
    await until('the kill', async () => docker.stateOf(kv1) === 'exited', 10_000);
    const clear = await run(['fault', 'clear'], env).done;
    assert.match(clear.out, /1 container and service faults undone/);
    assert.equal(docker.stateOf(kv1), 'running');
    kill.child.kill('SIGTERM');
    await kill.done;
    const bad: [string[], RegExp][] = [
      [['fault', 'add', 'kill', 'kv-1', '--param', 'signal=SIGHUP'], /kill: parameter signal/],
      [['fault', 'add', 'slow-handler', 'kv-1'], /slow-handler: parameter ms/],
      [['fault', 'add', 'explode', 'kv-1'], /unknown fault kind "explode"; known: .*disconnect/],
      [['fault', 'add', 'pause'], /name a target: a compose service/],
      [['fault', 'add', 'pause', 'kv-9', '--for', '1s'], /no container of service "kv-9" in compose project lab/],
    ];
    for (const [args, message] of bad) {
      const r = await run(args, env).done;
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.out, message);
    }
  });
});
