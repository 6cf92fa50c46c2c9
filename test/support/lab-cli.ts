// Drives the real `cascade-lab` CLI (dist/chaos/cli.js) against a lab of its own: its own compose project,
// host ports and subnet, so end-to-end tests never touch a lab a developer has running. The lab itself is
// started and stopped through the testcontainers fixture (cascade-lab/testing's startLab) with the same
// settings (e2eLab), so that the CLI and the fixture point at one lab.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabOptions } from '../../testing/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(root, 'dist', 'chaos', 'cli.js');

// E2E_<NAME> overrides each (E2E_COMPOSE_PROJECT_NAME=cascade-lab-mine ...), so that a developer can run
// the end-to-end tests beside labs that already use these.
const setting = (name: string, fallback: string) => process.env[`E2E_${name}`] || fallback;
export const e2eEnv: NodeJS.ProcessEnv = {
  COMPOSE_PROJECT_NAME: setting('COMPOSE_PROJECT_NAME', 'cascade-lab-e2e'),
  LAB_NET: setting('LAB_NET', '172.30.54'),
  LAB_DNS_PORT: setting('LAB_DNS_PORT', '11053'),
  LAB_CONTROLLER_PORT: setting('LAB_CONTROLLER_PORT', '18080'),
  LAB_FAULT_API_PORT: setting('LAB_FAULT_API_PORT', '18474'),
  LAB_ADMIN_TOKEN: 'e2e-token',
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Starts the CLI without waiting for it (to kill it mid-run). */
export const spawnCli = (args: string[]) =>
  spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, ...e2eEnv }, stdio: 'ignore' });

export function cli(args: string[], timeoutMs = 600_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env: { ...process.env, ...e2eEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
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
export const readJournal = (dir: string) => JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as Record<string, unknown> & {
  status: string;
  phases: { name: string; start: number; end: number }[];
  faults: { end: number | null }[];
  customer: { requests: number; successes: number; successRate: number | null };
};

/** The fixture's options for the e2e lab: e2eEnv's project, subnet, ports and token, with `more`. */
export function e2eLab(more: LabOptions = {}): LabOptions {
  return {
    project: e2eEnv.COMPOSE_PROJECT_NAME,
    net: e2eEnv.LAB_NET,
    ports: { dns: Number(e2eEnv.LAB_DNS_PORT), controller: Number(e2eEnv.LAB_CONTROLLER_PORT), faultApi: Number(e2eEnv.LAB_FAULT_API_PORT) },
    token: e2eEnv.LAB_ADMIN_TOKEN,
    ...more,
  };
}
