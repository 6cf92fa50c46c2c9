// Starts a throwaway redis-server on a free loopback port for unit tests (Debian's redis-server, installed
// by .ci/run), and waits until it answers PING. startPersistentRedis keeps its data in a folder and can be
// killed (SIGKILL, as a crash) and started again on the same port and folder, to test durability.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../lib/free-port.js';
import { until } from './until.js';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Spawns redis-server and resolves once it answers PING (after loading its data, if any). */
async function spawnRedis(port: number, args: string[]): Promise<{ kill: () => Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `redis://127.0.0.1:${port}`;
  await until('redis-server', async () => {
    if (gone) throw new Error(`redis-server ${args.join(' ')} exited`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } finally {
      probe.disconnect();
    }
  }, 10_000, 50);
  return {
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function startRedis(extraArgs: string[] = []): Promise<TestRedis> {
  const port = await freePort();
  const server = await spawnRedis(port, ['--save', '', '--appendonly', 'no', ...extraArgs]);
  return { url: `redis://127.0.0.1:${port}`, port, stop: server.kill };
}

/** How the server keeps its data: an append-only file fsynced before every reply, once a second, or not at all. */
export type Persistence = 'always' | 'everysec' | 'none';

export interface PersistentRedis extends TestRedis {
  dir: string;
  /** SIGKILL, as a crash: nothing is flushed or saved on the way out. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and folder; resolves once it has loaded its data. */
  start(): Promise<void>;
  running(): boolean;
}

export async function startPersistentRedis(persistence: Persistence, extraArgs: string[] = []): Promise<PersistentRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cascade-lab-redis-'));
  const args =
    persistence === 'none'
      ? ['--dir', dir, '--save', '', '--appendonly', 'no', ...extraArgs]
      : ['--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', persistence, ...extraArgs];
  let server: { kill: () => Promise<void> } | null = await spawnRedis(port, args);
  const kill = async () => {
    await server?.kill();
    server = null;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    kill,
    start: async () => {
      if (server) throw new Error('redis-server is already running');
      server = await spawnRedis(port, args);
    },
    running: () => server !== null,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
