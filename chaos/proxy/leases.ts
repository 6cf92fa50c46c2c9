// Fault leases, beyond Toxiproxy: a toxic created with the header `x-lab-lease: HOLDER` lives only while
// HOLDER keeps renewing its lease (PUT /lab/leases/HOLDER). When the process that injected a fault dies
// (kill -9 of the CLI mid-experiment), its lease runs out and every toxic it added is removed, so a dead
// injector leaves nothing behind. The leases themselves are a LeaseTable, as in the controller.
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import { LeaseTable, noSuchLease as leaseError } from '../lease-table.js';

export interface Lease {
  holder: string;
  expiresAt: number;
  toxics: { proxy: string; toxic: string }[];
}

export const noSuchLease = (holder: string) => leaseError(holder, '/lab/leases');

export class FaultLeases {
  private readonly table: LeaseTable;
  private readonly toxics = new Map<string, Lease['toxics']>();

  constructor(
    clock: Clock,
    private readonly events: EventLog,
    /** Removes one toxic; a toxic already gone is not an error. */
    private readonly removeToxic: (proxy: string, toxic: string) => void,
    private readonly sweepEveryMs = 500,
  ) {
    this.table = new LeaseTable(clock, events);
  }

  renew(holder: string, ttlMs: number): Lease {
    const expiresAt = this.table.renew(holder, ttlMs);
    return { holder, expiresAt, toxics: this.held(holder) };
  }

  /** Binds a toxic to a live lease; throws when the lease does not exist or has run out. */
  bind(holder: string, proxy: string, toxic: string): void {
    if (this.table.live(holder) === undefined) throw noSuchLease(holder);
    this.toxics.set(holder, [...this.held(holder), { proxy, toxic }]);
  }

  /** Ends a lease now, removing its toxics (normal end of an experiment). */
  release(holder: string, reason = 'released'): Lease | null {
    const expiresAt = this.table.delete(holder);
    if (expiresAt === undefined) return null;
    const toxics = this.held(holder);
    this.toxics.delete(holder);
    for (const t of toxics) this.removeToxic(t.proxy, t.toxic);
    this.events.emit(reason === 'expired' ? 'lease-expired' : 'lease-released', { holder, toxicsRemoved: toxics.length });
    return { holder, expiresAt, toxics };
  }

  sweep(): void {
    for (const holder of this.table.expired()) this.release(holder, 'expired');
  }

  list(): Lease[] {
    return this.table.entries().map(({ holder, expiresAt }) => ({ holder, expiresAt, toxics: this.held(holder) }));
  }

  run(): Promise<void> {
    return this.table.loop(() => this.sweep(), this.sweepEveryMs);
  }

  stop(): Promise<void> {
    return this.table.stop();
  }

  private held(holder: string): Lease['toxics'] {
    return this.toxics.get(holder) ?? [];
  }
}
