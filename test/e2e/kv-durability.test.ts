// Durability and self-recovery in Docker: writers inside a lab container put items through
// kv.us-east-1.lab.internal and record every acknowledged write, while a kv-store node crashes (its
// process SIGKILLed: the restart policy brings it back) and Redis is killed with `docker kill` (which the
// restart policy deliberately leaves stopped, so the test starts it as an operator would). Every recorded
// write must read back. After Redis, the DNS server and all kv-store nodes are restarted in turn, every
// other service must be ready again by itself, none of them restarted.
//
// Only what the kv endpoint and the control plane need runs (no NLBs, no loadgen). The lab runs in real
// time (LAB_CLOCK 1h=1h), so DWFM's leases (2 AWS hours) outlive the outages: its congestive collapse
// after a long kv outage is Amazon's story, which only operators end, and not what is checked here; the
// launcher's own recovery is.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { lookupA } from '../../lib/dns-client.js';
import { startLab, type StartedCascadeLab } from '../../testing/index.js';
import { until } from '../support/until.js';
import { e2eEnvC, e2eLab } from '../support/lab-cli.js';
import { ENDPOINT } from './support.js';

const run = promisify(execFile);
const LONG_LEASES = { LAB_CLOCK: '1h=1h' };
const env: NodeJS.ProcessEnv = { ...e2eEnvC, ...LONG_LEASES };

/** Services that answer /readyz (through the controller), and Redis. */
const WATCHED = [
  'dns-server', 'kv-1', 'kv-2', 'kv-3', 'dns-planner', 'fault-proxy', 'dns-enactor-az-a', 'dns-enactor-az-b', 'dns-enactor-az-c',
  'droplet-az-a', 'droplet-az-b', 'droplet-az-c', 'launcher', 'controller',
];
const SERVICES = ['redis', ...WATCHED];
const LEDGER_SOURCE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'support', 'write-ledger.js'), 'utf8');

const ids: Record<string, string> = {};
const cleanups: (() => Promise<unknown>)[] = [];
const docker = async (...args: string[]) => (await run('docker', args)).stdout.trim();
const inspect = async (service: string) => {
  const [running, restarts, startedAt] = (await docker('inspect', '-f', '{{.State.Running}} {{.RestartCount}} {{.State.StartedAt}}', ids[service]!)).split(' ');
  return { running: running === 'true', restarts: Number(restarts), startedAt: startedAt as string };
};

interface Status {
  services: { name: string; ready: boolean; checks?: unknown; error?: string }[];
}
async function notReady(): Promise<string[]> {
  const res = await request(`http://127.0.0.1:${env.LAB_CONTROLLER_PORT}/api/status`, { signal: AbortSignal.timeout(10_000) });
  const status = (await res.body.json()) as Status;
  const waiting = status.services.filter((s) => WATCHED.includes(s.name) && !s.ready).map((s) => s.name);
  if ((await lookupA(ENDPOINT, Number(env.LAB_DNS_PORT))).addresses.length === 0) waiting.push(`${ENDPOINT} (no addresses)`);
  return waiting;
}
let lastWaiting: string[] = [];
const allReady = (what: string, timeoutMs: number) =>
  until(`${what}; still waiting for ${lastWaiting.join(', ') || '?'}`, async () => {
    lastWaiting = await notReady().catch((err: Error) => [`the controller (${err.message})`]);
    return lastWaiting.length === 0;
  }, timeoutMs, 500);

/** When each service's container started: unchanged means it was not restarted. */
const startTimes = async (services: string[]) => Object.fromEntries(await Promise.all(services.map(async (s) => [s, (await inspect(s)).startedAt])));

describe('kv durability and self-recovery in Docker', { timeout: 600_000 }, () => {
  let lab: StartedCascadeLab | undefined;
  before(async () => {
    // Only SERVICES; the fixture waits for their health checks, and the test for every one to be ready.
    lab = await startLab(e2eLab({ env: LONG_LEASES, services: SERVICES, wait: 'healthy' }, e2eEnvC));
    for (const s of SERVICES) {
      const [id] = await lab.compose.containers(s);
      assert.ok(id, `no container for ${s}`);
      ids[s] = id;
    }
    await allReady('the lab to come up', 150_000);
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await lab?.down();
  });

  it('loses no acknowledged write while a kv-store node crashes and Redis is killed and started again', async () => {
    const runId = `ledger-${Date.now()}`;
    const stopFile = `/tmp/${runId}.stop`;
    const progressFile = `/tmp/${runId}.json`;
    const script = `${LEDGER_SOURCE}
import { renameSync, writeFileSync } from 'node:fs';
const url = 'http://${ENDPOINT}:8000';
const ledger = emptyLedger();
const failed = () => Object.values(ledger.failures).reduce((a, b) => a + b, 0);
// Written whole and renamed into place: the test's cat must never see a half-written file.
const progressFile = ${JSON.stringify(progressFile)};
const writeProgress = () => {
  writeFileSync(progressFile + '.tmp', JSON.stringify({ acked: ledger.acked.length, failed: failed() }));
  renameSync(progressFile + '.tmp', progressFile);
};
const timer = setInterval(writeProgress, 200);
await writeUntilStopped({ urls: [url], token: process.env.LAB_ADMIN_TOKEN, writers: 8, prefix: ${JSON.stringify(runId)}, timeoutMs: 3000,
  stop: stopWhenFileExists(${JSON.stringify(stopFile)}), maxMs: 240000 }, ledger);
clearInterval(timer);
const check = await readBack([url], ledger, { timeoutMs: 3000, deadlineMs: 60000 });
console.log(JSON.stringify({ attempts: ledger.attempts, acked: ledger.acked.length, hot: Object.keys(ledger.hot).length, failures: ledger.failures, check }));`;
    // The writers run in a container of their own on the lab network, resolving names through the lab DNS
    // like any customer (a service's container has no memory to spare for them).
    const writer = `${env.COMPOSE_PROJECT_NAME}-ledger-${Date.now()}`;
    const network = await docker('network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${env.COMPOSE_PROJECT_NAME}`);
    const image = await docker('inspect', '-f', '{{.Config.Image}}', ids['kv-1']!);
    const writing = run('docker', ['run', '--rm', '--name', writer, '--network', network, '--dns', `${env.LAB_NET}.53`, '--memory', '256m',
      '-e', `LAB_ADMIN_TOKEN=${env.LAB_ADMIN_TOKEN}`, image, 'node', '--input-type=module', '-e', script], { maxBuffer: 16 * 1024 * 1024 });
    writing.catch(() => undefined); // awaited below; a crash shows there
    cleanups.push(() => docker('rm', '-f', writer));
    const inWriter = async (...command: string[]) => (await run('docker', ['exec', writer, ...command])).stdout;
    const progress = async () => JSON.parse(await inWriter('cat', progressFile)) as { acked: number; failed: number };
    const ackedGrows = async (more: number, what: string) => {
      const target = (await progress().catch(() => ({ acked: 0 }))).acked + more;
      await until(what, async () => (await progress()).acked >= target, 60_000, 250);
    };

    await ackedGrows(100, 'writes acknowledged before any fault');

    // A crash of kv-1: its node process killed with SIGKILL; the restart policy starts the container again.
    const kvBefore = await inspect('kv-1');
    await lab!.compose.execIn('kv-1', ['sh', '-c', 'kill -9 $(cat /proc/1/task/1/children)']);
    await until('the restart policy to restart kv-1', async () => (await inspect('kv-1')).restarts > kvBefore.restarts, 30_000, 250);
    await allReady('kv-1 back after its crash', 60_000);
    await ackedGrows(100, 'writes acknowledged after kv-1 crashed');

    // Redis killed by `docker kill`: the restart policy does not apply to a container stopped through the
    // API, so it stays down until someone starts it.
    const others = WATCHED;
    const before = await startTimes(others);
    const failedBefore = (await progress()).failed;
    await docker('kill', ids.redis!);
    try {
      await until('writes to fail while Redis is down', async () => (await progress()).failed >= failedBefore + 20, 30_000, 250);
      assert.equal((await inspect('redis')).running, false, '`docker kill` left Redis stopped');
    } finally {
      await docker('start', ids.redis!);
    }
    const restartedAt = Date.now();
    await allReady('every service ready again after Redis restarted', 60_000);
    const recoveryMs = Date.now() - restartedAt;
    assert.deepEqual(await startTimes(others), before, 'no service was restarted to recover');
    await ackedGrows(100, 'writes acknowledged after Redis restarted');

    await inWriter('touch', stopFile);
    const result = JSON.parse((await writing).stdout) as {
      attempts: number; acked: number; hot: number; failures: Record<string, number>;
      check: { checked: number; lost: unknown[]; unreadable: unknown[] };
    };
    console.log(`# ${result.attempts} writes, ${result.acked} fresh keys and ${result.hot} hot keys acknowledged; failures ${JSON.stringify(result.failures)}; ready ${recoveryMs} ms after Redis started`);
    assert.ok(result.acked >= 300);
    assert.ok(Object.keys(result.failures).length > 0, 'the writers felt the faults');
    assert.deepEqual(result.check.unreadable, []);
    assert.deepEqual(result.check.lost, [], `${result.check.lost.length} acknowledged writes lost`);
    assert.equal(result.check.checked, result.acked + result.hot);
  });

  for (const [what, victims] of [['the DNS server', ['dns-server']], ['every kv-store node', ['kv-1', 'kv-2', 'kv-3']]] as const) {
    it(`every service recovers by itself when ${what} is killed and started again`, async () => {
      const others = WATCHED.filter((s) => !(victims as readonly string[]).includes(s));
      const before = await startTimes(others);
      try {
        await docker('kill', ...victims.map((v) => ids[v]!));
      } finally {
        await docker('start', ...victims.map((v) => ids[v]!));
      }
      await allReady(`every service ready again after ${what} restarted`, 60_000);
      assert.deepEqual(await startTimes(others), before, 'no other service was restarted to recover');
    });
  }
});
