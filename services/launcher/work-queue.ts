// DWFM's work queue, with the latent defect of the 2025 outage in its ordinary rules. Lease work items
// are small workflows (read the lease, check the droplet, write the lease); each step waits its turn in
// one FIFO served by `concurrency` workers, then the item's next step goes to the back of the line:
//
//   add(item) ──► next step ──► [ step FIFO ] ──► `concurrency` workers ──► done
//                   ▲                                  │
//                   └──────── more steps ◄─────────────┘
//   deadline (from when the item was queued) passes first ──► the item is abandoned: nobody cancels the
//   work it started, so its remaining steps run on by themselves (more load on the kv store, result
//   thrown away), and the item is queued again from its first step after a jittered pause, unless its
//   owner says it can wait (WorkItem.retryAfterTimeout).
//
// An item's time is its steps × one trip through the line, and a trip grows with the items being worked
// on. With a small backlog every item finishes well within its deadline. When the backlog is larger than
// what fits in a deadline, items time out half-way, their abandoned work loads the store (so every step
// gets slower) and they come back: the backlog never shrinks and goodput stays near zero, however healthy
// the store is. Nothing here knows about "collapse"; it is what these rules do to a large backlog.
import type { Clock } from '../../lib/clock.js';

/** Runs one step of an item: waits for a worker in FIFO order, then runs fn with the item's signal. */
export type StepRunner = <T>(fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface WorkItem {
  /** One item per key at a time (the droplet id). */
  key: string;
  kind: string;
  run(step: StepRunner, signal: AbortSignal): Promise<void>;
  /**
   * Asked when the item misses its deadline: true (or absent) queues it again from its first step after
   * the jittered pause; false lets it go, and its owner adds it again when the work is still wanted.
   */
  retryAfterTimeout?(): boolean;
}

export class DeadlineExceeded extends Error {
  constructor(readonly key: string) {
    super(`work item ${key} missed its deadline`);
    this.name = 'DeadlineExceeded';
  }
}

export class QueueCleared extends Error {
  constructor() {
    super('work queue cleared');
    this.name = 'QueueCleared';
  }
}

export type ItemOutcome = 'completed' | 'failed' | 'timeout' | 'dropped';

export interface OutcomeDetail {
  error?: unknown;
  /** Steps this attempt had completed (all of them wasted when it timed out). */
  steps: number;
  ranMs: number;
}

export interface WorkQueueOptions {
  concurrency: number;
  /** Items (not steps) admitted at once; add() refuses beyond it. */
  limit: number;
  deadlineMs: number;
  clock: Clock;
  /** A timed-out item is queued again after a random pause up to this long (retry jitter). */
  requeueJitterMs?: number;
  /** In [0, 1); seeded in the service (lib/random.ts). */
  random?: () => number;
  /** Window over which goodput (items completed per second) is measured. */
  goodputWindowMs?: number;
  onOutcome?: (item: WorkItem, outcome: ItemOutcome, detail: OutcomeDetail) => void;
}

interface Attempt {
  item: WorkItem;
  startedAt: number;
  steps: number;
  /** Aborted when the queue is cleared: steps not yet run are dropped. */
  controller: AbortController;
  /** Aborted at the deadline: the item's result is no longer wanted, but its queued steps still run. */
  abandoned: AbortController;
  timer: AbortController;
}

interface Step {
  attempt: Attempt;
  run: () => Promise<void>;
  cancel: (reason: unknown) => void;
}

export class WorkQueue {
  private readonly attempts = new Map<string, Attempt>();
  private steps: Step[] = [];
  private busy = 0;
  private completions: number[] = [];
  readonly stats = { added: 0, completed: 0, failed: 0, timeouts: 0, wastedSteps: 0, requeues: 0, dropped: 0, cleared: 0, stepsRun: 0 };

  /** Read where used: a new deadline applies to the items admitted from then on. */
  constructor(readonly opts: WorkQueueOptions) {}

  /** Items admitted and not finished (each waiting for or running one step). */
  get depth(): number {
    return this.attempts.size;
  }
  /** Steps being run by a worker right now. */
  get inFlight(): number {
    return this.busy;
  }
  get stepsWaiting(): number {
    return this.steps.length;
  }
  /** True while an item with this key is admitted. */
  has(key: string): boolean {
    return this.attempts.has(key);
  }

  /** Admits an item; false when one with its key is already in or the queue is full. */
  add(item: WorkItem): boolean {
    if (this.attempts.has(item.key)) return false;
    if (this.attempts.size >= this.opts.limit) {
      this.stats.dropped++;
      this.opts.onOutcome?.(item, 'dropped', { steps: 0, ranMs: 0 });
      return false;
    }
    this.stats.added++;
    this.begin(item);
    return true;
  }

  /** Items completed per second over the goodput window. */
  goodput(): number {
    const windowMs = this.opts.goodputWindowMs ?? 5000;
    const since = this.opts.clock.now() - windowMs;
    while (this.completions.length > 0 && (this.completions[0] as number) <= since) this.completions.shift();
    return this.completions.length / (windowMs / 1000);
  }

  /** Drops every item, queued or running, as restarting the hosts did. */
  clear(): { items: number; steps: number } {
    const cleared = { items: this.attempts.size, steps: this.steps.length };
    const attempts = [...this.attempts.values()];
    this.attempts.clear();
    for (const s of this.steps) s.cancel(new QueueCleared());
    this.steps = [];
    for (const a of attempts) {
      a.timer.abort();
      a.abandoned.abort(new QueueCleared());
      a.controller.abort(new QueueCleared());
    }
    this.stats.cleared += cleared.items;
    return cleared;
  }

  private begin(item: WorkItem): void {
    const { clock } = this.opts;
    const attempt: Attempt = {
      item, startedAt: clock.now(), steps: 0, controller: new AbortController(), abandoned: new AbortController(), timer: new AbortController(),
    };
    this.attempts.set(item.key, attempt);

    clock.sleep(this.opts.deadlineMs, attempt.timer.signal).then(
      () => this.timeout(attempt),
      () => undefined, // finished first
    );

    const step: StepRunner = (fn) =>
      new Promise((resolve, reject) => {
        if (attempt.controller.signal.aborted) return reject(attempt.controller.signal.reason);
        const entry: Step = {
          attempt,
          run: () =>
            fn(attempt.controller.signal).then((value) => {
              attempt.steps++;
              if (attempt.abandoned.signal.aborted) this.stats.wastedSteps++;
              resolve(value);
            }, reject),
          cancel: reject,
        };
        // An abandoned item no longer waits for workers: nothing stops its remaining steps.
        if (attempt.abandoned.signal.aborted) return void entry.run();
        this.steps.push(entry);
        this.pump();
      });

    item.run(step, attempt.abandoned.signal).then(
      () => this.finish(attempt, null),
      (err: unknown) => this.finish(attempt, err ?? new Error('failed')),
    );
  }

  private current(attempt: Attempt): boolean {
    return this.attempts.get(attempt.item.key) === attempt;
  }

  private timeout(attempt: Attempt): void {
    if (!this.current(attempt)) return;
    this.attempts.delete(attempt.item.key);
    // Nobody tells the steps already queued: they still run, for nothing.
    attempt.abandoned.abort(new DeadlineExceeded(attempt.item.key));
    this.stats.timeouts++;
    this.stats.wastedSteps += attempt.steps;
    this.opts.onOutcome?.(attempt.item, 'timeout', { steps: attempt.steps, ranMs: this.opts.clock.now() - attempt.startedAt });
    if (attempt.item.retryAfterTimeout?.() === false) return;
    // "Additional work was queued to reattempt": the same item, from its first step, after a jittered
    // pause (the key stays taken meanwhile, so the scan does not add it twice).
    this.stats.requeues++;
    const pause = Math.floor((this.opts.random ?? Math.random)() * (this.opts.requeueJitterMs ?? 0));
    const waiting = { ...attempt, abandoned: new AbortController(), controller: new AbortController(), timer: new AbortController(), steps: 0 };
    this.attempts.set(attempt.item.key, waiting);
    this.opts.clock.sleep(pause, waiting.controller.signal).then(
      () => {
        if (this.current(waiting)) this.begin(attempt.item);
      },
      () => undefined,
    );
  }

  private finish(attempt: Attempt, error: unknown): void {
    if (!this.current(attempt)) return; // timed out or cleared meanwhile
    this.attempts.delete(attempt.item.key);
    attempt.timer.abort();
    const detail = { error: error ?? undefined, steps: attempt.steps, ranMs: this.opts.clock.now() - attempt.startedAt };
    if (error === null) {
      this.stats.completed++;
      this.completions.push(this.opts.clock.now());
      this.opts.onOutcome?.(attempt.item, 'completed', detail);
    } else {
      this.stats.failed++;
      this.opts.onOutcome?.(attempt.item, 'failed', detail);
    }
  }

  private pump(): void {
    while (this.busy < this.opts.concurrency && this.steps.length > 0) {
      const step = this.steps.shift() as Step;
      if (step.attempt.controller.signal.aborted) {
        step.cancel(step.attempt.controller.signal.reason);
        continue;
      }
      if (step.attempt.abandoned.signal.aborted) {
        void step.run(); // abandoned: it goes on by itself, outside the workers
        continue;
      }
      this.busy++;
      this.stats.stepsRun++;
      // The worker is free when the step is done or its item is abandoned, whichever comes first.
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        step.attempt.abandoned.signal.removeEventListener('abort', release);
        this.busy--;
        this.pump();
      };
      step.attempt.abandoned.signal.addEventListener('abort', release, { once: true });
      void step.run().finally(release);
    }
  }
}
