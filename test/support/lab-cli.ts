// Drives the real `cascade-lab` CLI (dist/chaos/cli.js) against a lab of its own: its own compose project,
// host ports and subnet, so end-to-end tests never touch a lab a developer has running. The lab itself is
// started and stopped through the testcontainers fixture (cascade-lab/testing's startLab) with the same
// settings (e2eLab), so that the CLI and the fixture point at one lab.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabOptions } from '../../testing/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(root, 'dist', 'chaos', 'cli.js');

// Each Docker test file has a lab of its own: its own compose project, subnet and host ports, so that a
// lab a failed file left behind never stands in the next one's way. E2E_<NAME> overrides lab a's
// (E2E_COMPOSE_PROJECT_NAME=... ), so that a developer can run the tests beside labs that use these.
const setting = (name: string, fallback: string) => process.env[`E2E_${name}`] || fallback;
const labEnv = (slot: number): NodeJS.ProcessEnv => ({
  COMPOSE_PROJECT_NAME: slot === 0 ? setting('COMPOSE_PROJECT_NAME', 'cascade-lab-e2e') : `cascade-lab-e2e-${slot}`,
  LAB_NET: slot === 0 ? setting('LAB_NET', '172.30.54') : `172.30.${54 + slot}`,
  LAB_DNS_PORT: slot === 0 ? setting('LAB_DNS_PORT', '11053') : String(11053 + slot),
  LAB_CONTROLLER_PORT: slot === 0 ? setting('LAB_CONTROLLER_PORT', '18080') : String(18080 + slot),
  LAB_FAULT_API_PORT: slot === 0 ? setting('LAB_FAULT_API_PORT', '18474') : String(18474 + slot),
  LAB_ADMIN_TOKEN: 'e2e-token',
});

/**
 * The clock the Docker tests run the lab at (README, Tests): 1h=5s, the fastest the lab offers, since
 * DWFM's leases of 2 AWS hours ride out a stall of the whole lab of about 5 s at it (1h=10s before 7
 * December 2026). E2E_LAB_CLOCK changes it (E2E_LAB_CLOCK=1h=10s for twice the margin).
 */
export const E2E_CLOCK = setting('LAB_CLOCK', '1h=5s');

/** Lab a (the cascade, the game day, the dashboard, the faults, the fixes) and c (durability). */
export const e2eEnv = labEnv(0);
export const e2eEnvC = labEnv(2);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the CLI without waiting for it (to kill it mid-run). */
export const spawnCli = (args: string[], env: NodeJS.ProcessEnv = e2eEnv) =>
  spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' });

/** Runs the CLI against a lab (lab a unless `env` says another) and waits for it. */
export function cli(args: string[], timeoutMs = 600_000, env: NodeJS.ProcessEnv = e2eEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (process.env.E2E_VERBOSE) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cascade-lab ${args.join(' ')} did not finish within ${timeoutMs / 1000} s\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export const reportDir = (name: string) => mkdtempSync(join(tmpdir(), `cascade-lab-${name}-`));

/** The fixture's options for an e2e lab (lab a unless `env` says another) at the e2e clock, with `more`. */
export function e2eLab(more: LabOptions = {}, env: NodeJS.ProcessEnv = e2eEnv): LabOptions {
  return {
    project: env.COMPOSE_PROJECT_NAME,
    net: env.LAB_NET,
    ports: { dns: Number(env.LAB_DNS_PORT), controller: Number(env.LAB_CONTROLLER_PORT), faultApi: Number(env.LAB_FAULT_API_PORT) },
    token: env.LAB_ADMIN_TOKEN,
    // What the fixture waits for while a lab starts or settles, in the test's output: a lab whose DWFM did
    // not settle says so here (CI keeps nothing else of the lab).
    log: (line) => console.log(`# ${env.COMPOSE_PROJECT_NAME} ${new Date().toISOString().slice(11, 19)}: ${line}`),
    ...more,
    env: { LAB_CLOCK: E2E_CLOCK, ...more.env },
  };
}
