// The Docker tests run two files at a time, each with a lab of its own, on a 2-core machine. Two heavy
// things at once stall every container for seconds: a lab starting (sixteen containers created, the
// fleet settling) or restarting with other fixes, and a cascade under way (DWFM's collapse is a storm of
// kv requests). A stall that long is a real disturbance to the other lab: its NLB checks come late (the
// nlb-flapping detector rightly counts them) and its DWFM, at rest, collapses and stays collapsed, as the
// mechanism says it must (compose/CASCADE-NOTES.md). So the heavy steps, and the runs whose timing the
// assertions measure, take turns: one at a time across the test processes, through a lock directory
// (mkdir is atomic) that is taken over when its owner died. What stays side by side is the light work:
// the other lab's quick checks, its idle time, its teardown.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './until.js';

const LOCK = join(tmpdir(), 'cascade-lab-e2e-start.lock');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits up to `timeoutMs` for the turn, and returns what gives it back. */
export async function takeTurn(what: string, timeoutMs = 2_400_000): Promise<() => void> {
  await until(`${what}: its turn (${LOCK})`, () => {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'owner'), `${process.pid} ${what}`);
      return true;
    } catch {
      const owner = Number(readFileSync(join(LOCK, 'owner'), { encoding: 'utf8', flag: 'a+' }).split(' ')[0] || 'NaN');
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      return false;
    }
  }, timeoutMs, 500);
  let given = false;
  return () => {
    if (!given) rmSync(LOCK, { recursive: true, force: true });
    given = true;
  };
}

/** Runs `fn` (a lab start, or a run the assertions time) while no other test process runs a heavy step. */
export async function oneAtATime<T>(what: string, fn: () => Promise<T>, timeoutMs?: number): Promise<T> {
  const giveBack = await takeTurn(what, timeoutMs);
  try {
    return await fn();
  } finally {
    giveBack();
  }
}
