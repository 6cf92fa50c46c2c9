// The controller's faults and the leases that hold them. Same model and LeaseTable as the fault proxy's
// leases (chaos/proxy/leases.ts): whoever injects a fault names a holder and keeps renewing it
// (PUT /api/leases/HOLDER); when the holder stops (the CLI or a run was killed with -9), its lease runs
// out and every fault it holds is undone: containers unpaused, started, reconnected; hooks reversed.
// A fault may instead carry its own ttl. Undo that fails (Docker busy) is retried on every sweep.
//
//   holder ──renew──► lease ──holds──► fault (kind, target, params, undo record)
//                       │ expiry / release / DELETE             │
//                       └──────────────► undo(record) ◄─────────┘
//
// With a FaultStore the records outlive the controller: a restarted controller undoes what its previous
// life left behind (nobody can be renewing those leases any more).
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { EventLog } from '../../lib/events.js';
import { badRequest, conflict, LabError, notFound } from '../../lib/errors.js';
import { LeaseTable, noSuchLease as leaseError } from '../lease-table.js';
import type { ControllerFaultKind, FaultContext, UndoRecord } from './fault.js';

export interface HeldFault {
  id: string;
  kind: string;
  target: string;
  params: Record<string, unknown>;
  holder: string | null;
  /** When the fault is undone unless renewed (its holder's lease, or its own ttl). */
  expiresAt: number;
  injectedAt: number;
  undo: UndoRecord;
  /** Set when undoing failed; it is retried. */
  undoError?: string;
}

export interface FaultStore {
  save(fault: HeldFault): Promise<void>;
  remove(id: string): Promise<void>;
  all(): Promise<HeldFault[]>;
}

export interface FaultRequest {
  kind: string;
  target: string;
  params: Record<string, unknown>;
  holder?: string;
  ttlMs?: number;
}

export const noSuchLease = (holder: string) => leaseError(holder, '/api/leases');

/** What one fault occupies: a whole container for container faults, the kind on its target for hooks. */
const slotOf = (kind: ControllerFaultKind, target: string) => (kind.target === 'container' ? `container:${target}` : `${kind.kind}:${target}`);

export class HeldFaults {
  private readonly leases: LeaseTable;
  private readonly faults = new Map<string, HeldFault>();
  /** Targets being injected right now, so two requests cannot fault the same thing at once. */
  private readonly injecting = new Set<string>();

  constructor(
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly ctx: FaultContext,
    /** Undefined for a kind that does not exist (any more): a stored fault of it is dropped, not undone. */
    private readonly kinds: (kind: string) => ControllerFaultKind | undefined,
    private readonly store: FaultStore | null = null,
    private readonly sweepEveryMs = 500,
  ) {
    this.leases = new LeaseTable(clock, events);
  }

  renewLease(holder: string, ttlMs: number): { holder: string; expiresAt: number; faults: string[] } {
    const expiresAt = this.leases.renew(holder, ttlMs);
    const held = this.held(holder);
    for (const f of held) f.expiresAt = expiresAt;
    return { holder, expiresAt, faults: held.map((f) => f.id) };
  }

  /** Ends a lease now and undoes its faults (normal end of a run, Ctrl-C of `fault add`). */
  async releaseLease(holder: string, reason: 'released' | 'expired' = 'released'): Promise<number> {
    const had = this.leases.delete(holder) !== undefined;
    const held = this.held(holder);
    for (const f of held) await this.end(f, reason);
    if (had || held.length) this.events.emit(reason === 'expired' ? 'lease-expired' : 'lease-released', { holder, faultsUndone: held.length });
    return held.length;
  }

  leaseList(): { holder: string; expiresAt: number; faults: string[] }[] {
    return this.leases.entries().map(({ holder, expiresAt }) => ({ holder, expiresAt, faults: this.held(holder).map((f) => f.id) }));
  }

  async add(request: FaultRequest): Promise<HeldFault> {
    const kind = this.kinds(request.kind);
    if (!kind) throw badRequest(`unknown fault kind ${JSON.stringify(request.kind)}`);
    if (kind.services && !kind.services.test(request.target)) {
      throw badRequest(`${kind.kind} applies to services matching ${kind.services.source}, not ${JSON.stringify(request.target)}`);
    }
    let expiresAt: number;
    if (request.holder !== undefined) {
      const leaseEnd = this.leases.live(request.holder);
      if (leaseEnd === undefined) throw noSuchLease(request.holder);
      expiresAt = leaseEnd;
    } else if (request.ttlMs !== undefined) {
      expiresAt = this.clock.now() + request.ttlMs;
    } else {
      throw badRequest('a fault needs a holder (a lease you renew) or a ttlMs: every fault expires');
    }
    // One container fault per container (pausing a killed container means nothing); one hook per kind.
    const slot = slotOf(kind, request.target);
    const busy = [...this.faults.values()].find((f) => {
      const held = this.kinds(f.kind);
      return held !== undefined && slotOf(held, f.target) === slot;
    });
    if (busy || this.injecting.has(slot)) throw conflict(`${request.target} already has a fault (${busy ? `${busy.kind}, id ${busy.id}` : 'being injected'}): clear it first`);
    this.injecting.add(slot);
    try {
      const undo = await kind.inject(this.ctx, request.target, request.params).catch((err: Error) => {
        throw err instanceof LabError ? err : new LabError('FAULT_ERR_INJECT', 502, `${kind.kind} on ${request.target} failed: ${err.message}`);
      });
      const fault: HeldFault = {
        id: randomUUID().slice(0, 8),
        kind: kind.kind,
        target: request.target,
        params: request.params,
        holder: request.holder ?? null,
        expiresAt: request.holder !== undefined ? (this.leases.expiry(request.holder) ?? 0) : expiresAt,
        injectedAt: this.clock.now(),
        undo,
      };
      this.faults.set(fault.id, fault);
      await this.store?.save(fault).catch(() => undefined);
      this.events.emit('fault-injected', { id: fault.id, kind: fault.kind, target: fault.target, params: fault.params, holder: fault.holder });
      // The holder may have been released while Docker was working: nothing may outlive its lease.
      if (fault.holder !== null && !this.leases.has(fault.holder)) await this.end(fault, 'expired');
      return fault;
    } finally {
      this.injecting.delete(slot);
    }
  }

  async remove(id: string): Promise<HeldFault> {
    const fault = this.faults.get(id);
    if (!fault) throw notFound(`no fault ${JSON.stringify(id)}; GET /api/faults lists them`);
    await this.end(fault, 'removed');
    if (fault.undoError !== undefined) throw new LabError('FAULT_ERR_UNDO', 502, `could not undo ${fault.kind} on ${fault.target} (retrying): ${fault.undoError}`);
    return fault;
  }

  /** Undoes every fault and drops every lease. */
  async clear(): Promise<number> {
    const all = [...this.faults.values()];
    for (const f of all) await this.end(f, 'removed');
    this.leases.clear();
    return all.length;
  }

  list(): HeldFault[] {
    return [...this.faults.values()];
  }

  async sweep(): Promise<void> {
    for (const holder of this.leases.expired()) await this.releaseLease(holder, 'expired');
    const now = this.clock.now();
    for (const f of [...this.faults.values()]) {
      if (f.undoError !== undefined || (f.holder === null && f.expiresAt <= now) || (f.holder !== null && !this.leases.has(f.holder))) await this.end(f, 'expired');
    }
  }

  /** Undoes whatever a previous controller left in the store. */
  async recover(): Promise<number> {
    if (!this.store) return 0;
    const left = await this.store.all();
    for (const f of left) {
      this.faults.set(f.id, f);
      await this.end(f, 'recovered');
    }
    return left.length;
  }

  run(): Promise<void> {
    return this.leases.loop(() => this.sweep(), this.sweepEveryMs);
  }

  stop(): Promise<void> {
    return this.leases.stop();
  }

  private held(holder: string): HeldFault[] {
    return [...this.faults.values()].filter((f) => f.holder === holder);
  }

  /** Undoes one fault; on failure it stays listed with undoError and the next sweep tries again. */
  private async end(fault: HeldFault, reason: 'released' | 'expired' | 'removed' | 'recovered'): Promise<void> {
    const kind = this.kinds(fault.kind);
    if (!kind) {
      // Stored by a controller that knew this kind: nothing here can undo it, and trying again will not help.
      await this.drop(fault, `unknown fault kind ${JSON.stringify(fault.kind)}: cannot be undone`);
      return;
    }
    try {
      await kind.undo(this.ctx, fault.target, fault.undo);
    } catch (err) {
      fault.undoError = (err as Error).message;
      this.events.emit('fault-undo-failed', { id: fault.id, kind: fault.kind, target: fault.target, error: fault.undoError });
      return;
    }
    await this.forget(fault);
    this.events.emit('fault-undone', { id: fault.id, kind: fault.kind, target: fault.target, reason });
  }

  private async drop(fault: HeldFault, why: string): Promise<void> {
    await this.forget(fault);
    this.events.emit('fault-dropped', { id: fault.id, kind: fault.kind, target: fault.target, reason: why });
  }

  private async forget(fault: HeldFault): Promise<void> {
    this.faults.delete(fault.id);
    await this.store?.remove(fault.id).catch(() => undefined);
  }
}
