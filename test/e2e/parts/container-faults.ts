// Container faults in Docker, through the CLI as a game day runs them: the controller pauses, kills,
// stops and disconnects real containers of its own lab through the Docker API, and undoes each one when
// the fault ends, whether it ends normally, with Ctrl-C, or because the CLI holding it was killed with -9
// (its lease runs out: back to normal within 10 s). One `up`, several faults, to keep CI short.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { request } from 'undici';
import { until } from '../../support/until.js';
import { containerOf } from '../support.js';
import { cli, e2eEnv, spawnCli } from '../../support/lab-cli.js';

const run = promisify(execFile);
const project = e2eEnv.COMPOSE_PROJECT_NAME as string;

/** The state and networks of a service's one container in the e2e lab. */
async function container(service: string): Promise<{ status: string; networks: Record<string, { IPAddress: string }> }> {
  const id = await containerOf(e2eEnv, service);
  const inspect = await run('docker', ['inspect', '-f', '{{json .State.Status}} {{json .NetworkSettings.Networks}}', id]);
  const [status, networks] = inspect.stdout.trim().split(' ', 2) as [string, string];
  return { status: JSON.parse(status) as string, networks: JSON.parse(networks) as Record<string, { IPAddress: string }> };
}

async function ready(service: string): Promise<boolean> {
  const res = await request(`http://127.0.0.1:${e2eEnv.LAB_CONTROLLER_PORT}/api/status`);
  const status = (await res.body.json()) as { services: { name: string; ready: boolean }[] };
  return status.services.find((s) => s.name === service)?.ready === true;
}

const exited = (child: ReturnType<typeof spawnCli>) => new Promise<number | null>((resolve) => child.once('exit', resolve));

/** Starts `cascade-lab fault add ...` and waits until the service's container shows the fault. */
async function inject(args: string[], service: string, status: (c: Awaited<ReturnType<typeof container>>) => boolean, what: string) {
  const holder = spawnCli(['fault', 'add', ...args]);
  const done = exited(holder);
  await until(`${service} to be ${what}`, async () => status(await container(service)), 30_000, 100);
  return { holder, done };
}

/** Kills the CLI holding a fault with -9; its lease runs out and the container runs again within 10 s. */
async function killHolder({ holder, done }: Awaited<ReturnType<typeof inject>>, service: string): Promise<void> {
  holder.kill('SIGKILL');
  await done;
  const killedAt = Date.now();
  await until(`the controller to undo the fault on ${service}`, async () => (await container(service)).status === 'running', 10_000, 100);
  assert.ok(Date.now() - killedAt <= 10_000);
  await until(`${service} to be ready`, () => ready(service), 30_000);
}

/** Registers the container-fault tests against lab a (started by the file that calls this). */
export function containerFaultTests(): void {
describe('container faults', () => {

  it('a container paused by `fault add` is running again within 10 s of the CLI being killed with -9', async () => {
    const pause = await inject(['pause', 'kv-2'], 'kv-2', (c) => c.status === 'paused', 'paused');
    const list = await cli(['fault', 'list']);
    assert.match(list.stdout, /: pause kv-2 \{\} {2}\(held by fault-/);
    await killHolder(pause, 'kv-2');
  });

  it('kill (CLI killed), stop (--for ran out) and disconnect (Ctrl-C) are each undone, and the node serves again', async () => {
    await killHolder(await inject(['kill', 'kv-3'], 'kv-3', (c) => c.status === 'exited', 'killed'), 'kv-3');

    const stop = await inject(['stop', 'kv-3', '--param', 'timeout=1', '--for', '6s'], 'kv-3', (c) => c.status === 'exited', 'stopped');
    assert.equal(await stop.done, 0);
    assert.equal((await container('kv-3')).status, 'running', 'started again when --for ran out');
    await until('kv-3 to be ready', () => ready('kv-3'), 30_000);

    const before = (await container('kv-3')).networks;
    const network = `${project}_lab`;
    assert.ok(before[network], `kv-3 is on ${network}`);
    const cut = await inject(['disconnect', 'kv-3'], 'kv-3', (c) => !c.networks[network], 'off the lab network');
    await until('the controller to see kv-3 unreachable', async () => !(await ready('kv-3')), 30_000);
    cut.holder.kill('SIGINT');
    assert.equal(await cut.done, 0);
    const after = (await container('kv-3')).networks;
    assert.equal(after[network]?.IPAddress, before[network]?.IPAddress, 'reconnected with the same address');
    await until('kv-3 to be ready', () => ready('kv-3'), 30_000);
    assert.equal(JSON.parse((await cli(['fault', 'list', '--json'])).stdout).faults.length, 0, 'nothing left behind');
  });
});
}
