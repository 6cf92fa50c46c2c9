// Runs the lab's compose file with whatever compose the machine has: `docker compose` (v2) or the
// legacy `docker-compose` (v1). Container names differ between the two, so nothing here depends on them;
// containers are found by the com.docker.compose.* labels.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FIXES, type Fix } from '../lib/contract.js';

const run = promisify(execFile);

export { FIXES, type Fix };

/** The fix switch each fix name turns on (the services read these). */
export const FIX_ENV: Record<Fix, string> = {
  enactor: 'FIX_ENACTOR',
  'nlb-velocity': 'FIX_NLB_VELOCITY',
  'propagation-throttle': 'FIX_PROPAGATION_THROTTLE',
};

export function parseFixes(list: string | undefined): Fix[] {
  if (!list) return [];
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const out = new Set<Fix>();
  for (const name of names) {
    if (name === 'all') FIXES.forEach((f) => out.add(f));
    else if ((FIXES as readonly string[]).includes(name)) out.add(name as Fix);
    else throw new Error(`unknown fix ${JSON.stringify(name)}; known: ${[...FIXES, 'all'].join(', ')}`);
  }
  return [...out];
}

/** The project root: where docker-compose.yml lives (dist/chaos/.. or chaos/..). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'docker-compose.yml'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('cannot find docker-compose.yml above the CLI');
}

export interface ComposeOptions {
  project?: string;
  env?: NodeJS.ProcessEnv;
  files?: string[];
  /** The compose command (default: `docker compose` or `docker-compose`, whichever the machine has). */
  command?: string[];
  /** The docker command (default: docker). */
  docker?: string;
}

export interface DownResult {
  /** The network Docker would not remove although no container of the lab is left (see Compose.down). */
  leftNetwork?: string;
}

const STALE_ENDPOINT = /network (\S+) id \S+ has active endpoints/;

let detected: string[] | null = null;

/** The machine's compose command, asked once: `docker compose` (v2) when it answers, else `docker-compose` (v1). */
export async function composeCommand(): Promise<string[]> {
  if (detected) return detected;
  try {
    await run('docker', ['compose', 'version']);
    detected = ['docker', 'compose'];
  } catch {
    try {
      await run('docker-compose', ['version']);
      detected = ['docker-compose'];
    } catch {
      throw new Error('neither `docker compose` nor `docker-compose` is available: install Docker Compose');
    }
  }
  return detected;
}

export class Compose {
  readonly project: string;
  readonly root = projectRoot();
  private readonly docker: string;
  constructor(private readonly opts: ComposeOptions = {}) {
    this.project = opts.project ?? process.env.COMPOSE_PROJECT_NAME ?? 'cascade-lab';
    this.docker = opts.docker ?? 'docker';
  }

  private async argv(args: string[]): Promise<string[]> {
    const [cmd, ...pre] = this.opts.command ?? (await composeCommand());
    const files = (this.opts.files ?? ['docker-compose.yml']).flatMap((f) => ['-f', join(this.root, f)]);
    return [cmd as string, ...pre, '-p', this.project, ...files, ...args];
  }

  /** Runs compose with output shown (or captured when quiet); rejects with the output on failure. */
  async exec(args: string[], opts: { quiet?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    const [cmd, ...rest] = await this.argv(args);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd as string, rest, {
        cwd: this.root,
        env: { ...process.env, ...this.opts.env, ...opts.env },
        stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
      });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${[cmd, ...rest].join(' ')} exited ${code}\n${out.slice(-3000)}`))));
    });
  }

  /** Removes the containers, the network and (unless keepData) the volumes; see downDespiteStaleNetwork. */
  async down(opts: { keepData?: boolean; withinMs?: number } = {}): Promise<DownResult> {
    const args = ['down', '--remove-orphans', ...(opts.keepData ? [] : ['--volumes'])];
    return this.downDespiteStaleNetwork(() => this.exec(args, { quiet: true }), opts);
  }

  /**
   * Runs `down`, a compose down of this project by any means (this class's, or testcontainers'). Docker
   * (20.10 and later) can go on counting an endpoint of a removed container on the network, so that it
   * refuses to remove the network until the daemon restarts ("has active endpoints", moby/moby#43286).
   * `down` is tried again for `withinMs`; if the count stays while no container of the lab is left, the
   * lab is down all the same: its volumes are removed here (compose stops before them) unless keepData,
   * and the network is reported as left behind. The next `up` reuses it.
   */
  async downDespiteStaleNetwork(down: () => Promise<unknown>, opts: { keepData?: boolean; withinMs?: number } = {}): Promise<DownResult> {
    const deadline = Date.now() + (opts.withinMs ?? 5_000);
    for (;;) {
      try {
        await down();
        return {};
      } catch (err) {
        const stale = STALE_ENDPOINT.exec((err as Error).message);
        if (!stale) throw err;
        if (Date.now() < deadline) {
          await sleep(500);
          continue;
        }
        if ((await this.containers(undefined, { all: true })).length > 0) throw err;
        if (!opts.keepData) await this.removeVolumes();
        return { leftNetwork: stale[1] };
      }
    }
  }

  private async removeVolumes(): Promise<void> {
    const { stdout } = await run(this.docker, ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${this.project}`]);
    const volumes = stdout.split('\n').filter(Boolean);
    if (volumes.length > 0) await run(this.docker, ['volume', 'rm', ...volumes]);
  }

  /** Container ids of one service (or of all), found by compose labels (works for v1 and v2 names alike); running ones unless `all`. */
  async containers(service?: string, opts: { all?: boolean } = {}): Promise<string[]> {
    const filters = ['--filter', `label=com.docker.compose.project=${this.project}`];
    if (service) filters.push('--filter', `label=com.docker.compose.service=${service}`);
    const { stdout } = await run(this.docker, ['ps', '-q', ...(opts.all ? ['-a'] : []), ...filters]);
    return stdout.split('\n').filter(Boolean);
  }

  async execIn(service: string, command: string[]): Promise<string> {
    const [id] = await this.containers(service);
    if (!id) throw new Error(`no running container for service ${service} in project ${this.project}`);
    const { stdout } = await run(this.docker, ['exec', id, ...command], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  }
}
