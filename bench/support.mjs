// What every side-by-side benchmark needs: a group of processes that is always stopped (on normal end,
// on Ctrl-C, on a crash) with a scratch folder, free loopback ports, and polling with a deadline.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { until as pollUntil } from '../dist/test/support/until.js';

const running = (child) => child.exitCode === null && child.signalCode === null;

/** Tracks what a benchmark starts; stopAll() ends each process (TERM, then KILL) and removes the scratch folder. */
export function processGroup(prefix) {
  const started = [];
  const closers = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  async function stopAll() {
    for (const close of closers.splice(0)) await close();
    const exits = started.filter(running).map((child) => new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
      setTimeout(() => running(child) && child.kill('SIGKILL'), 3000).unref();
    }));
    await Promise.all(exits);
    rmSync(tmp, { recursive: true, force: true });
  }
  process.on('exit', () => started.filter(running).forEach((child) => child.kill('SIGKILL')));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stopAll().then(() => process.exit(130)));
  return {
    tmp,
    started,
    /** Registers a child process; returns it. */
    track: (child) => (started.push(child), child),
    /** Registers an in-process server's close function. */
    onStop: (close) => closers.push(close),
    stopAll,
  };
}

export const freePort = () =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/** The tests' poll-until-deadline (test/support/until.ts); every benchmark runs the built lab, so dist/ is there. */
export const until = (what, check, timeoutMs = 10_000) => pollUntil(what, check, timeoutMs, 100);

export const which = (cmd) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
};
