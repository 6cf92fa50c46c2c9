// DropletWorkflow Manager: holds a lease per droplet in the kv store. A scan every scanMs looks at each
// droplet: a lease whose expiry passed is lost; a held lease due for renewal gets a renew item; a droplet
// without a lease gets an establish item. All of it goes through one WorkQueue (work-queue.ts), whose
// deadlines and re-queueing are what turn a mass re-establishment after a kv outage into a collapse.
//
// restart() is the operator's remedy at 04:14: it clears the queue and in-flight work, as restarting the
// hosts did, and then re-establishes leases in controlled batches (at most recoveryBatch items waiting or
// running) until every droplet holds one again. Without it DWFM enqueues every droplet that needs a lease
// at once, which is the recovery procedure AWS did not have.
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import { Loop } from '../../lib/loop.js';
import { establishLease, LeaseGone, renewLease, type DropletCheck, type HeldLease, type LeaseStore } from './lease.js';
import type { DwfmState } from './state.js';
import { WorkQueue, type ItemOutcome, type OutcomeDetail, type WorkItem } from './work-queue.js';

export interface DwfmOptions {
  azs: string[];
  dropletsPerAz: number;
  leaseTtlMs: number;
  leaseRenewMs: number;
  scanMs: number;
  workQueueLimit: number;
  workConcurrency: number;
  itemDeadlineMs: number;
  recoveryBatch: number;
  goodputWindowMs: number;
  requeueJitterMs: number;
  /**
   * Renewals come due up to this fraction of leaseRenewMs early, at random, so they spread out instead of
   * coming due all together every leaseRenewMs (one burst of every droplet's renewal is what a lab of
   * droplets established together would otherwise send to the store). 0 = exactly every leaseRenewMs.
   */
  renewJitter?: number;
  random: () => number;
}

export interface Droplet {
  id: string;
  az: string;
  lease: HeldLease | null;
  lastRenewedAt: number;
  /** When the next renewal is queued (lastRenewedAt + leaseRenewMs, less the jitter). */
  renewDueAt: number;
}

export const dropletId = (az: string, n: number) => `${az}-d${String(n).padStart(3, '0')}`;

export class Dwfm {
  readonly droplets = new Map<string, Droplet>();
  readonly queue: WorkQueue;
  /**
   * Batched establishment: at most recoveryBatch items admitted while droplets are brought in. DWFM
   * starts this way (droplets join gradually) and restart() returns to it; it ends once every droplet
   * holds a lease. Afterwards DWFM queues whatever needs a lease at once: after a kv outage, everything.
   */
  recovering = true;
  readonly stats = { established: 0, renewed: 0, lost: 0, failures: 0, restarts: 0 };
  lastError: string | null = null;
  private readonly loop: Loop;
  // Timeouts come by the hundred per second in a collapse; they are reported once per scan, summed.
  private timeoutsSinceScan = { items: 0, wastedSteps: 0 };

  constructor(
    /** Read where used, so retime() applies a new lab clock's settings at once. */
    readonly opts: DwfmOptions,
    private readonly store: LeaseStore,
    private readonly hosts: DropletCheck,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {
    // AZ by AZ in turn, so the droplets a scan takes up together (a recovery batch) spread over every host.
    for (let n = 1; n <= opts.dropletsPerAz; n++) {
      for (const az of opts.azs) {
        const id = dropletId(az, n);
        this.droplets.set(id, { id, az, lease: null, lastRenewedAt: 0, renewDueAt: 0 });
      }
    }
    this.queue = new WorkQueue({
      concurrency: opts.workConcurrency,
      limit: opts.workQueueLimit,
      deadlineMs: opts.itemDeadlineMs,
      clock,
      goodputWindowMs: opts.goodputWindowMs,
      requeueJitterMs: opts.requeueJitterMs,
      random: opts.random,
      onOutcome: (item, outcome, detail) => this.onOutcome(item, outcome, detail),
    });
    this.loop = new Loop({ clock, intervalMs: () => this.opts.scanMs, onError: (err) => (this.lastError = `scan: ${(err as Error).message}`) });
  }

  isLeased(droplet: Droplet): droplet is Droplet & { lease: HeldLease } {
    return droplet.lease !== null && droplet.lease.expires > this.clock.now();
  }

  leasedCount(az?: string): number {
    let n = 0;
    for (const d of this.droplets.values()) if ((az === undefined || d.az === az) && this.isLeased(d)) n++;
    return n;
  }

  /**
   * New time settings (a new lab clock): the queue's deadlines and pauses with them, and what is left of
   * each lease and of the wait for its renewal keeps its AWS length. Without that, a lab slowed from
   * 1h=10s to 1h=60s had every renewal of the last ten seconds' pace fall due within seconds, each now six
   * times the work: the queue overran its deadlines and DWFM collapsed at rest.
   */
  retime(t: Partial<Pick<DwfmOptions, 'leaseTtlMs' | 'leaseRenewMs' | 'scanMs' | 'itemDeadlineMs' | 'requeueJitterMs' | 'goodputWindowMs'>>): void {
    const stretch = t.leaseTtlMs !== undefined ? t.leaseTtlMs / this.opts.leaseTtlMs : 1;
    Object.assign(this.opts, t);
    Object.assign(this.queue.opts, { deadlineMs: this.opts.itemDeadlineMs, requeueJitterMs: this.opts.requeueJitterMs, goodputWindowMs: this.opts.goodputWindowMs });
    this.loop.reschedule();
    if (stretch === 1) return;
    const now = this.clock.now();
    for (const d of this.droplets.values()) {
      if (!d.lease) continue;
      d.lease = { ...d.lease, expires: now + Math.max(0, d.lease.expires - now) * stretch };
      d.renewDueAt = now + Math.max(0, d.renewDueAt - now) * stretch;
    }
  }

  /** Runs scans until stop(). */
  run(): Promise<void> {
    return this.loop.run(() => this.scan());
  }

  stop(): Promise<void> {
    const stopped = this.loop.stop();
    this.queue.clear();
    return stopped;
  }

  /** One pass over the droplets: notice lapsed leases, queue renewals and re-establishments. */
  scan(): void {
    const now = this.clock.now();
    if (this.timeoutsSinceScan.items > 0) {
      this.events.emit('items-timed-out', { ...this.timeoutsSinceScan, requeuesTotal: this.queue.stats.requeues, depth: this.queue.depth });
      this.timeoutsSinceScan = { items: 0, wastedSteps: 0 };
    }
    let leased = 0;
    for (const d of this.droplets.values()) {
      if (d.lease && d.lease.expires <= now) {
        d.lease = null;
        this.stats.lost++;
        this.events.emit('lease-lost', { droplet: d.id, az: d.az });
      }
      if (d.lease) leased++;
    }
    if (this.recovering && leased === this.droplets.size) {
      this.recovering = false;
      this.events.emit('all-leased', { droplets: leased });
    }
    // In batches, only establishments are held back: renewals keep the leases already held.
    let establishing = 0;
    for (const d of this.droplets.values()) if (!d.lease && this.queue.has(d.id)) establishing++;
    for (const d of this.droplets.values()) {
      if (this.queue.has(d.id)) continue;
      if (d.lease) {
        if (now >= d.renewDueAt) this.queue.add(this.renewItem(d));
      } else {
        if (this.recovering && establishing >= this.opts.recoveryBatch) continue;
        if (this.queue.add(this.establishItem(d))) establishing++;
      }
    }
  }

  /** The operator's restart: clear queued and in-flight work, then re-establish in batches. */
  restart(): { items: number; steps: number } {
    const cleared = this.queue.clear();
    this.recovering = true;
    this.stats.restarts++;
    this.events.emit('restart', { ...cleared, recoveryBatch: this.opts.recoveryBatch });
    return cleared;
  }

  snapshot(): DwfmState {
    const byAz: Record<string, { droplets: number; leased: number }> = {};
    for (const az of this.opts.azs) byAz[az] = { droplets: this.opts.dropletsPerAz, leased: this.leasedCount(az) };
    const leased = this.leasedCount();
    return {
      leased,
      droplets: this.droplets.size,
      leasedFraction: this.droplets.size ? leased / this.droplets.size : 0,
      byAz,
      recovering: this.recovering,
      queue: { depth: this.queue.depth, inFlight: this.queue.inFlight, stepsWaiting: this.queue.stepsWaiting, goodput: this.queue.goodput(), ...this.queue.stats },
      stats: { ...this.stats },
      lastError: this.lastError,
    };
  }

  private renewed(d: Droplet): void {
    d.lastRenewedAt = this.clock.now();
    const early = (this.opts.renewJitter ?? 0) * this.opts.random() * this.opts.leaseRenewMs;
    d.renewDueAt = d.lastRenewedAt + this.opts.leaseRenewMs - early;
  }

  private renewItem(d: Droplet): WorkItem {
    return {
      key: d.id,
      kind: 'renew',
      // A renewal that misses its deadline while the lease still holds is tried again half-way through
      // what is left of the lease, not at once: a stall of a few seconds at rest (a busy machine) then
      // spreads its renewals out instead of piling them back into the queue, where they would time out
      // again until the leases lapsed. Establishments have no lease to wait on and are retried at once,
      // which is the collapse of the outage. A renewal of a lease already lapsed is retried at once too.
      retryAfterTimeout: () => {
        if (!this.isLeased(d)) return true;
        const now = this.clock.now();
        d.renewDueAt = now + (d.lease.expires - now) / 2;
        return false;
      },
      run: async (step, signal) => {
        try {
          const lease = await renewLease(this.store, this.hosts, d.az, d.id, () => this.clock.now(), () => this.opts.leaseTtlMs, step, d.lease?.expires);
          if (signal.aborted) return;
          d.lease = lease;
          this.renewed(d);
          this.stats.renewed++;
        } catch (err) {
          // The record lapsed or moved: the next scan re-establishes it once the local lease lapses too.
          if (err instanceof LeaseGone && !signal.aborted) d.lease = null;
          throw err;
        }
      },
    };
  }

  private establishItem(d: Droplet): WorkItem {
    return {
      key: d.id,
      kind: 'establish',
      run: async (step, signal) => {
        const lease = await establishLease(this.store, this.hosts, d.az, d.id, () => this.clock.now(), () => this.opts.leaseTtlMs, step);
        if (signal.aborted) return;
        d.lease = lease;
        this.renewed(d);
        this.stats.established++;
        this.events.emit('lease-established', { droplet: d.id, az: d.az, epoch: lease.epoch });
      },
    };
  }

  private onOutcome(item: WorkItem, outcome: ItemOutcome, detail: OutcomeDetail): void {
    if (outcome === 'failed') {
      this.stats.failures++;
      this.lastError = `${item.kind} ${item.key}: ${(detail.error as Error)?.message ?? String(detail.error)}`;
    } else if (outcome === 'timeout') {
      this.timeoutsSinceScan.items++;
      this.timeoutsSinceScan.wastedSteps += detail.steps;
    } else if (outcome === 'dropped') {
      this.events.emit('item-dropped', { droplet: item.key, kind: item.kind });
    }
  }
}
