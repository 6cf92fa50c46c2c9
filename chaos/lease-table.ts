// Fault leases, the server side: whoever injects a fault names a holder and keeps renewing its lease;
// a sweep loop ends the leases that ran out, and their owner undoes what they held. The fault proxy
// (chaos/proxy/leases.ts: toxics) and the controller (chaos/faults/held-faults.ts: container faults,
// hooks) keep their faults beside one of these; the renewing side is holdLease() in chaos/lab-client.ts.
import type { Clock } from '../lib/clock.js';
import type { EventLog } from '../lib/events.js';
import { LabError } from '../lib/errors.js';
import { Loop } from '../lib/loop.js';

/** The 409 for a fault whose holder has no live lease; `renewPath` is where the holder renews it. */
export const noSuchLease = (holder: string, renewPath: string) =>
  new LabError('FAULT_ERR_NO_LEASE', 409, `no live lease ${JSON.stringify(holder)}: PUT ${renewPath}/${holder} first`);

export class LeaseTable {
  private readonly byHolder = new Map<string, number>();
  private readonly sweeper: Loop;
  private sweepEveryMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {
    this.sweeper = new Loop({ clock, intervalMs: () => this.sweepEveryMs });
  }

  /** Grants the lease or extends it to now + ttlMs; returns its new expiry. */
  renew(holder: string, ttlMs: number): number {
    if (!this.byHolder.has(holder)) this.events.emit('lease-granted', { holder, ttlMs });
    const expiresAt = this.clock.now() + ttlMs;
    this.byHolder.set(holder, expiresAt);
    return expiresAt;
  }

  /** The expiry of the holder's lease while it is live, else undefined (none, or run out). */
  live(holder: string): number | undefined {
    const expiresAt = this.byHolder.get(holder);
    return expiresAt !== undefined && expiresAt > this.clock.now() ? expiresAt : undefined;
  }

  /** The expiry of the holder's lease, live or run out but not yet swept; undefined when there is none. */
  expiry(holder: string): number | undefined {
    return this.byHolder.get(holder);
  }

  /** The lease is still listed (run out but not yet swept counts). */
  has(holder: string): boolean {
    return this.byHolder.has(holder);
  }

  /** Drops the lease; returns its expiry, or undefined when there was none. */
  delete(holder: string): number | undefined {
    const expiresAt = this.byHolder.get(holder);
    this.byHolder.delete(holder);
    return expiresAt;
  }

  clear(): void {
    this.byHolder.clear();
  }

  /** Holders whose lease has run out. */
  expired(): string[] {
    const now = this.clock.now();
    return [...this.byHolder].filter(([, expiresAt]) => expiresAt <= now).map(([holder]) => holder);
  }

  entries(): { holder: string; expiresAt: number }[] {
    return [...this.byHolder].map(([holder, expiresAt]) => ({ holder, expiresAt }));
  }

  /** Runs `sweep` every `everyMs` until stop(); a sweep that throws is retried on the next turn. */
  loop(sweep: () => unknown, everyMs: number): Promise<void> {
    this.sweepEveryMs = everyMs;
    return this.sweeper.run(sweep);
  }

  stop(): Promise<void> {
    return this.sweeper.stop();
  }
}
