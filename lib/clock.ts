// Time as a dependency, so the mechanisms (lock backoff, lease expiry, queue deadlines) can be driven
// step by step in tests. Production code takes a Clock and never calls Date.now or setTimeout directly.
export interface Clock {
  now(): number;
  /** Resolves after ms; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Sleeps until a due time that a new lab clock may move. `until(due)` reads `due()` when it starts and
 * again after every retime(), so a wait begun at one pace ends at the other's (at once if the new due time
 * has already passed). Without it a wait begun while a game day was paused (1h=1h) is slept out long after
 * the resume: a loop stands still, a droplet check keeps its renewal in flight until the lease lapses.
 */
export class RetimableSleeps {
  private readonly underWay = new Set<AbortController>();

  constructor(private readonly clock: Clock) {}

  /** Resolves true at `due()`, or false as soon as `signal` aborts (never rejects). */
  async until(due: () => number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      // Even a due time already past sleeps 0 ms: a loop whose work overran still yields to the event loop.
      const left = Math.max(0, due() - this.clock.now());
      const sleep = new AbortController();
      const end = () => sleep.abort();
      signal?.addEventListener('abort', end, { once: true });
      this.underWay.add(sleep);
      try {
        await this.clock.sleep(left, sleep.signal);
        return true;
      } catch {
        // retime(): measure again; the caller's signal: false on the next turn
      } finally {
        this.underWay.delete(sleep);
        signal?.removeEventListener('abort', end);
      }
    }
  }

  /** The due times changed: every sleep under way reads its due time again. */
  retime(): void {
    for (const sleep of this.underWay) sleep.abort();
  }

  /** Sleeps under way (for tests and snapshots). */
  get size(): number {
    return this.underWay.size;
  }
}

/** A clock that only moves when told to. Sleepers wake in deadline order as time advances. */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: { until: number; resolve: () => void }[] = [];
  constructor(start = 0) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (ms <= 0) return resolve();
      const sleeper = { until: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
  get pendingSleepers(): number {
    return this.sleepers.length;
  }
  /** Moves time forward, waking sleepers in order and letting their continuations run in between. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      this.sleepers.sort((a, b) => a.until - b.until);
      const next = this.sleepers[0];
      if (!next || next.until > target) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, next.until);
      next.resolve();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

/** Advances the clock step by step until the promise settles (or maxMs of virtual time pass). */
export async function settle<T>(clock: ManualClock, promise: Promise<T>, stepMs = 10, maxMs = 600_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  for (let t = 0; !done && t < maxMs; t += stepMs) await clock.advance(stepMs);
  if (!done) throw new Error(`still pending after ${maxMs} ms of virtual time`);
  return tracked;
}

export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
