// One shape for every periodic loop in the lab: do the work, wait, again, until stop(). The stop signal
// exists from construction, so stop() before run() means the loop never runs; stop() ends a wait at once
// and resolves when the iteration under way has finished. Time comes from the injected Clock, so tests on
// a ManualClock drive a loop step by step.
//
//   run() ──► work(signal) ──► wait intervalMs (read anew each time) ──► work ...
//                                  ▲ stop(): ends the wait, no more work
//                                  ▲ wake(): ends this one wait, the loop goes on
//                                  ▲ reschedule(): the interval changed; the wait ends when the new one
//                                    has passed since the wait's reference (at once if it already has)
import { RetimableSleeps, type Clock } from './clock.js';

export interface LoopOptions {
  clock: Clock;
  /** The wait between iterations in ms; a function is read before every wait, so it may change at run time. */
  intervalMs: number | (() => number);
  /**
   * 'end' (the default): the wait starts when the work has finished, a fixed delay between iterations.
   * 'start': the interval counts from the start of the work, so an iteration that overran starts the next at once.
   */
  from?: 'end' | 'start';
  /** Wait once before the first iteration (for a caller that made the first round itself). */
  waitFirst?: boolean;
  /**
   * Gets what the work threw; the loop goes on. Rethrow to end the loop instead: run() and stop() then
   * reject with it. Not called once stop() was called: an error then is the stop's doing (a sleep inside
   * the work that the stop signal interrupted). Without onError, errors are ignored.
   */
  onError?: (err: unknown) => void;
}

export class Loop {
  private readonly stopper = new AbortController();
  /** Aborted to end the wait under way, by stop() or wake(). */
  private waiting: AbortController | null = null;
  private woken = false;
  private readonly sleeps: RetimableSleeps;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: LoopOptions) {
    this.sleeps = new RetimableSleeps(opts.clock);
  }

  /** Aborted by stop(): for sleeps and requests inside the work that must end with the loop. */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Runs `work` until stop(); resolves then. A second call returns the first call's promise. */
  run(work: (signal: AbortSignal) => unknown): Promise<void> {
    return (this.running ??= this.iterate(work));
  }

  /** Stops the loop, ending a wait at once; resolves when the iteration under way has finished. */
  stop(): Promise<void> {
    this.stopper.abort();
    this.waiting?.abort();
    return this.running ?? Promise.resolve();
  }

  /** Ends the wait under way (or skips the next one) without stopping: new work came in. */
  wake(): void {
    if (this.waiting) this.waiting.abort();
    else this.woken = true;
  }

  /**
   * The interval changed (a new lab clock): the wait under way is measured again with it, from the same
   * reference (the end of the work, or its start with from 'start'). Without this a loop that was slowed
   * down sleeps out its long wait after the clock sped up again: DWFM's scan or the health checks stand
   * still for what is, at the new pace, hours.
   */
  reschedule(): void {
    this.sleeps.retime();
  }

  private async iterate(work: (signal: AbortSignal) => unknown): Promise<void> {
    const { clock } = this.opts;
    const signal = this.stopper.signal;
    if (this.opts.waitFirst) {
      const from = clock.now();
      await this.wait(() => from + this.interval());
    }
    while (!signal.aborted) {
      const startedAt = clock.now();
      try {
        await work(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.opts.onError?.(err);
      }
      if (signal.aborted) break;
      const from = this.opts.from === 'start' ? startedAt : clock.now();
      await this.wait(() => from + this.interval());
    }
  }

  private interval(): number {
    const { intervalMs } = this.opts;
    return typeof intervalMs === 'function' ? intervalMs() : intervalMs;
  }

  /** Waits until `due()` (read again after a reschedule), or until stop() or wake(). */
  private async wait(due: () => number): Promise<void> {
    if (this.stopped) return;
    if (this.woken) {
      this.woken = false;
      return;
    }
    this.waiting = new AbortController();
    try {
      await this.sleeps.until(due, this.waiting.signal);
    } finally {
      this.waiting = null;
    }
  }
}
