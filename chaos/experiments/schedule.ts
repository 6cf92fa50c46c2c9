// A run's schedule, the times its steps wait for (`at`, pauses), on a clock a game day's facilitator can
// pause: schedule time is real time minus the paused time, so a step due at +2h37m after the trigger is
// due that much schedule time after it, however long the game stood still in between. Waits of probes
// (a `wait` provider's timeout) keep real time: they measure the lab, not the script.
import type { Clock } from '../../lib/clock.js';

export class Schedule {
  private readonly t0: number;
  private pausedMs = 0;
  private pausedAt: number | null = null;
  /** Aborted when a pause begins or ends, so that every sleeper looks at its deadline again. */
  private change = new AbortController();

  constructor(private readonly clock: Clock) {
    this.t0 = clock.now();
  }

  get paused(): boolean {
    return this.pausedAt !== null;
  }

  /** Schedule ms since the schedule was made: real time minus every pause (the one going on included). */
  now(): number {
    const t = this.clock.now();
    return t - this.t0 - this.pausedMs - (this.pausedAt === null ? 0 : t - this.pausedAt);
  }

  /** Holds every sleeper until resume(); false when already paused. */
  pause(): boolean {
    if (this.pausedAt !== null) return false;
    this.pausedAt = this.clock.now();
    this.wake();
    return true;
  }

  /** Lets the sleepers go on, their deadlines moved by the pause; false when not paused. */
  resume(): boolean {
    if (this.pausedAt === null) return false;
    this.pausedMs += this.clock.now() - this.pausedAt;
    this.pausedAt = null;
    this.wake();
    return true;
  }

  /** Resolves once `ms` of schedule time have passed, or at once when `signal` aborts (it never rejects). */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const until = this.now() + Math.max(0, ms);
    while (!signal?.aborted) {
      const left = until - this.now();
      if (left <= 0) return;
      const both = AbortSignal.any([this.change.signal, ...(signal ? [signal] : [])]);
      // While paused, sleep until the pause ends; otherwise until the deadline or the next pause.
      await this.clock.sleep(this.paused ? 2 ** 31 - 1 : left, both).catch(() => undefined);
    }
  }

  private wake(): void {
    const previous = this.change;
    this.change = new AbortController();
    previous.abort();
  }
}
