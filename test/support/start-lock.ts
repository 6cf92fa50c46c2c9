// The Docker tests run two files at a time, each with a lab of its own; starting a lab (sixteen
// containers created, the fleet settling) loads a 2-core machine so much that a lab already at rest
// stalls for seconds, and DWFM collapses on a stall that long (compose/CASCADE-NOTES.md). One start at a
// time, across the test processes: a lock directory (mkdir is atomic), taken over when its owner died.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'cascade-lab-e2e-start.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs `start` while no other test process starts a lab; waits up to `timeoutMs` for its turn. */
export async function oneStartAtATime<T>(what: string, start: () => Promise<T>, timeoutMs = 1_200_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'owner'), String(process.pid));
      break;
    } catch {
      const owner = Number(readFileSync(join(LOCK, 'owner'), 'utf8').trim() || 'NaN');
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${what}: another lab was still starting after ${timeoutMs / 1000} s (${LOCK})`);
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  try {
    return await start();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
