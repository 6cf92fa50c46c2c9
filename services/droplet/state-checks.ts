// DWFM's state check as a droplet host serves it (GET /v1/droplets/:id/check). A check takes `durationMs`
// of the host's time (`renewDurationMs` for the check that renews a lease held throughout: there is little
// to reconcile), and the host runs at most `concurrency` at once; the others wait in line. A check
// still in line when its caller hangs up is dropped, but one already running runs to its end: after a kv
// outage DWFM's abandoned work keeps the hosts busy, and every check behind it waits longer, which is half
// of the congestive collapse.
import { RetimableSleeps, type Clock } from '../../lib/clock.js';
import type { CheckKind } from '../../lib/contract.js';

export interface CheckTimes {
  /** Time one establishing check takes (scaled by the lab clock, lib/timing.ts). */
  durationMs: number;
  /** Time one renewing check takes. */
  renewDurationMs: number;
}

export interface StateCheckOptions extends CheckTimes {
  concurrency: number;
}

export class StateChecks {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** The checks under way, each waiting out its duration. */
  private readonly underWay: RetimableSleeps;
  readonly stats = { served: 0, dropped: 0, maxQueued: 0 };

  constructor(
    /** Read at every check, so a new lab clock applies at once. */
    readonly opts: StateCheckOptions,
    private readonly clock: Clock,
  ) {
    this.underWay = new RetimableSleeps(clock);
  }

  /** Runs one check; rejects (without running it) when `signal` aborts while it waits in line. */
  async run(signal?: AbortSignal, kind: CheckKind = 'establish'): Promise<void> {
    signal?.throwIfAborted();
    if (this.running >= this.opts.concurrency) {
      let leave = () => {};
      const turn = new Promise<void>((resolve, reject) => {
        const entry = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        leave = () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          this.stats.dropped++;
          reject(signal?.reason);
        };
        this.waiting.push(entry);
        signal?.addEventListener('abort', leave, { once: true });
      });
      this.stats.maxQueued = Math.max(this.stats.maxQueued, this.waiting.length);
      await turn;
    } else {
      this.running++;
    }
    try {
      await this.serve(kind);
    } finally {
      this.stats.served++;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else this.running--;
    }
  }

  /**
   * A new lab clock: a new duration, also for the checks under way, counted from their start. Without it a
   * check begun while a game day was paused (1h=1h: 72 s) kept its renewal in flight long after the
   * resume, and the lease it was renewing lapsed.
   */
  retime(times: CheckTimes): void {
    Object.assign(this.opts, { durationMs: times.durationMs, renewDurationMs: times.renewDurationMs });
    this.underWay.retime();
  }

  /** One check's time on the host, measured again whenever the durations change. */
  private async serve(kind: CheckKind): Promise<void> {
    const startedAt = this.clock.now();
    await this.underWay.until(() => startedAt + (kind === 'renew' ? this.opts.renewDurationMs : this.opts.durationMs));
  }

  snapshot() {
    const { durationMs, renewDurationMs, concurrency } = this.opts;
    return { inFlight: this.running, queued: this.waiting.length, served: this.stats.served, durationMs, renewDurationMs, concurrency };
  }
}
