// Network Manager: gives each new instance its network configuration (and takes it away from terminated
// ones) at a limited rate. Until an instance's configuration is delivered it runs but cannot be reached.
// Work is served in arrival order at no more than `ratePerSecond`, so propagation latency (queued ->
// delivered) is the backlog divided by the rate: after DWFM recovers, waiting launches and terminations
// arrive together and latency climbs, as from 06:21 on 20 October. The rate is a token bucket holding up to
// `burst` items: a few items that find the manager idle (a replacement's launch and the old instance's
// release) are served at once, so in normal operation propagation takes no longer than the delivery.
//
// With `fix` (Amazon's fourth remediation, "rate limit incoming work based on the size of the waiting
// queue"), admits() refuses new launches while the waiting queue is at admissionLimit, so latency stays
// bounded by admissionLimit / ratePerSecond. Terminations are always accepted: refusing them would leak.
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import type { NetworkState } from './state.js';
import { Loop } from '../../lib/loop.js';

export type NetworkWork = 'configure' | 'release';

/** With nothing waiting the loop sleeps this long at a time; enqueue() wakes it at once. */
const IDLE_WAIT_MS = 60_000;

export interface NetworkItem {
  kind: NetworkWork;
  instanceId: string;
  az: string;
  queuedAt: number;
  attempts: number;
  onDelivered?: () => void;
}

export interface NetworkManagerOptions {
  ratePerSecond: number;
  /** Items served at once after an idle spell (the bucket's size); at least 1. */
  burst: number;
  fix: boolean;
  admissionLimit: number;
  /** Propagation latency is summarised over this many recent deliveries. */
  samples: number;
  maxAttempts: number;
}

export class NetworkManager {
  private queue: NetworkItem[] = [];
  private latencies: number[] = [];
  private inFlight = 0;
  /** The token bucket: tokens left, and when it was last refilled. */
  private tokens: number;
  private filledAt: number;
  /** Turns of the bucket, paced by untilNextTurn(); woken by new work. */
  private readonly loop: Loop;
  readonly stats = { queued: 0, delivered: 0, failed: 0, refused: 0 };

  constructor(
    /** Read at every turn: a new rate (a new lab clock) applies at once. */
    readonly opts: NetworkManagerOptions,
    private readonly deliver: (item: NetworkItem) => Promise<void>,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {
    this.tokens = this.burst;
    this.filledAt = clock.now();
    this.loop = new Loop({ clock, intervalMs: () => this.untilNextTurn() });
  }

  private get burst(): number {
    return Math.max(1, this.opts.burst);
  }

  private get perMs(): number {
    return this.opts.ratePerSecond / 1000;
  }

  /**
   * Whether a launch may be queued now (always true without the fix). `launching` are launches already
   * accepted whose instances are still being created, so not in the queue yet: counting them is what
   * keeps a burst of launches in one tick from all passing the check before any of them is queued.
   * A launch is refused only while the waiting queue is at the limit, whatever its instance count: one
   * for more than the limit at once must not be refused for ever.
   */
  admits(launching = 0): boolean {
    if (!this.opts.fix) return true;
    const ok = this.queue.length + launching < this.opts.admissionLimit;
    if (!ok) this.stats.refused++;
    return ok;
  }

  enqueue(kind: NetworkWork, instanceId: string, az: string, onDelivered?: () => void): void {
    this.push({ kind, instanceId, az, queuedAt: this.clock.now(), attempts: 0, onDelivered });
    this.stats.queued++;
  }

  private push(item: NetworkItem): void {
    this.queue.push(item);
    this.loop.wake();
  }

  get backlog(): number {
    return this.queue.length + this.inFlight;
  }

  /** Serves the waiting items at the rate (with up to `burst` at once) until stop(); idle, it waits for the next. */
  run(): Promise<void> {
    return this.loop.run(() => this.turn());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A new rate (a new lab clock) applies to the wait for the next token under way. */
  reschedule(): void {
    this.loop.reschedule();
  }

  /** One turn of the bucket: refill it for the time gone by, and serve the oldest item if there is a token. */
  private turn(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.filledAt) * this.perMs);
    this.filledAt = now;
    if (this.queue.length > 0 && this.tokens >= 1) {
      this.tokens--;
      this.serveOne();
    }
  }

  /** The wait before the next turn: none while tokens are left, until one refills, or idle until new work wakes it. */
  private untilNextTurn(): number {
    if (this.queue.length === 0) return IDLE_WAIT_MS;
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  /** Takes the oldest item and delivers it (in the background, so a slow host does not stall the rate). */
  serveOne(): void {
    const item = this.queue.shift();
    if (!item) return;
    this.inFlight++;
    item.attempts++;
    this.deliver(item).then(
      () => {
        this.inFlight--;
        this.stats.delivered++;
        if (item.kind === 'configure') {
          this.latencies.push(this.clock.now() - item.queuedAt);
          if (this.latencies.length > this.opts.samples) this.latencies.shift();
        }
        item.onDelivered?.();
      },
      (err: Error) => {
        this.inFlight--;
        if (item.attempts < this.opts.maxAttempts) {
          this.push(item);
        } else {
          this.stats.failed++;
          this.events.emit('network-delivery-failed', { instance: item.instanceId, kind: item.kind, error: err.message });
        }
      },
    );
  }

  /** p50/p99/max of propagation latency (ms) over the recent deliveries, and the oldest waiting item's age. */
  latency() {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number) => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number));
    const oldest = this.queue[0];
    return {
      p50: at(0.5),
      p99: at(0.99),
      max: sorted.at(-1) ?? 0,
      samples: sorted.length,
      oldestWaitingMs: oldest ? this.clock.now() - oldest.queuedAt : 0,
    };
  }

  snapshot(): NetworkState {
    return { backlog: this.backlog, waiting: this.queue.length, inFlight: this.inFlight, fix: this.opts.fix, admissionLimit: this.opts.admissionLimit, ratePerSecond: this.opts.ratePerSecond, latencyMs: this.latency(), stats: { ...this.stats } };
  }
}
