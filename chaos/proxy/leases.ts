// Fault leases, beyond Toxiproxy: a toxic created with the header `x-lab-lease: HOLDER` lives only while
// HOLDER keeps renewing its lease (PUT /lab/leases/HOLDER). When the process that injected a fault dies
// (kill -9 of the CLI mid-experiment), its lease runs out and every toxic it added is removed, so a dead
// injector leaves nothing behind.
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import { LabError } from '../../lib/errors.js';

export interface Lease {
  holder: string;
  expiresAt: number;
  toxics: { proxy: string; toxic: string }[];
}

export const noSuchLease = (holder: string) =>
  new LabError('FAULT_ERR_NO_LEASE', 409, `no live lease ${JSON.stringify(holder)}: PUT /lab/leases/${holder} first`);

export class FaultLeases {
  private readonly leases = new Map<string, Lease>();
  private readonly stopper = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly events: EventLog,
    /** Removes one toxic; a toxic already gone is not an error. */
    private readonly removeToxic: (proxy: string, toxic: string) => void,
    private readonly sweepEveryMs = 500,
  ) {}

  renew(holder: string, ttlMs: number): Lease {
    const lease = this.leases.get(holder) ?? { holder, expiresAt: 0, toxics: [] };
    if (!this.leases.has(holder)) this.events.emit('lease-granted', { holder, ttlMs });
    lease.expiresAt = this.clock.now() + ttlMs;
    this.leases.set(holder, lease);
    return lease;
  }

  /** Binds a toxic to a live lease; throws when the lease does not exist or has run out. */
  bind(holder: string, proxy: string, toxic: string): void {
    const lease = this.leases.get(holder);
    if (!lease || lease.expiresAt <= this.clock.now()) throw noSuchLease(holder);
    lease.toxics.push({ proxy, toxic });
  }

  /** Ends a lease now, removing its toxics (normal end of an experiment). */
  release(holder: string, reason = 'released'): Lease | null {
    const lease = this.leases.get(holder);
    if (!lease) return null;
    this.leases.delete(holder);
    for (const t of lease.toxics) this.removeToxic(t.proxy, t.toxic);
    this.events.emit(reason === 'expired' ? 'lease-expired' : 'lease-released', { holder, toxicsRemoved: lease.toxics.length });
    return lease;
  }

  sweep(): void {
    const now = this.clock.now();
    for (const lease of [...this.leases.values()]) if (lease.expiresAt <= now) this.release(lease.holder, 'expired');
  }

  list(): Lease[] {
    return [...this.leases.values()];
  }

  async run(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      this.sweep();
      await this.clock.sleep(this.sweepEveryMs, this.stopper.signal).catch(() => undefined);
    }
  }

  stop(): void {
    this.stopper.abort();
  }
}
