// The DNS Enactor, with the latent defect exactly as Amazon described it (INCIDENT.md):
//
//   newest plan ──► freshness check (ONCE, here, never again) ──► for each endpoint:
//        lock + write plan tree ──► lock + point alias at tree, rollback at previous ──► release
//   ──► clean-up: delete plan trees many generations older than the plan just applied
//
// A delayed enactor passes the freshness check, then spends seconds losing the lock. When it finally
// flips the alias, its plan is many generations old; a faster enactor's clean-up, working from the list
// it took when it started, deletes that tree: the endpoint's alias points at nothing and every query
// answers NODATA. From then on no enactor can apply a plan, because the rollback record would have to
// point at the missing tree and the DNS server refuses an alias to a missing target.
//
// With `fix` (Amazon's first remediation): freshness is re-checked inside the flip transaction (the batch
// DELETEs the exact alias it saw, so it fails if the alias moved), clean-up never deletes the active or
// rollback tree (same exact-match precondition), and a plan that would empty an endpoint is refused.
import type { Clock } from '../../lib/clock.js';
import { ChangeRejected, type Change, type DnsApi, type RecordSet } from '../../lib/dns-control.js';

export type { DnsApi };
import type { EventLog } from '../../lib/events.js';
import type { Logger } from '../../lib/log.js';
import { Loop } from '../../lib/loop.js';
import { plansSuffix, rollbackName, treeGeneration, treeName, type Plan } from '../../lib/plans.js';
import type { Random } from '../../lib/random.js';
import { heldByOther, lockRecord, swapLock, type LockValue } from './lock.js';

export interface PlanSource {
  latest(): Promise<Plan | null>;
  appliedGeneration(endpoint: string): Promise<number>;
  recordApplied(endpoint: string, generation: number): Promise<void>;
}

export interface EnactorOptions {
  id: string;
  fix: boolean;
  lockTtlMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  cleanupThreshold: number;
  cleanupPauseMs: number;
  pollIntervalMs: number;
  recordTtl: number;
  /** Give up one step after this many failed attempts (network errors, lost locks). */
  maxAttempts: number;
}

export type EndpointOutcome = 'applied' | 'refused' | 'stale' | 'inconsistent' | 'gave-up';

class Abandon extends Error {
  constructor(readonly outcome: EndpointOutcome, message: string) {
    super(message);
  }
}

const isLockConflict = (err: unknown) =>
  err instanceof ChangeRejected && (err.code === 'DNS_ERR_DELETE_MISMATCH' || err.code === 'DNS_ERR_RECORD_EXISTS');

export class Enactor {
  private lastPicked = 0;
  private paused = false;
  private readonly loop: Loop;
  readonly stats = { plansPicked: 0, applied: 0, stale: 0, refused: 0, inconsistent: 0, lockLost: 0, treesDeleted: 0 };
  current: { generation: number; endpoint?: string; step: string; attempts: number } | null = null;
  lastApplied: { generation: number; at: number } | null = null;
  lastError: string | null = null;

  constructor(
    private readonly opts: EnactorOptions,
    private readonly plans: PlanSource,
    private readonly dns: DnsApi,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly events: EventLog,
    private readonly log: Logger,
  ) {
    this.loop = new Loop({
      clock,
      intervalMs: () => this.opts.pollIntervalMs,
      onError: (err) => {
        this.lastError = (err as Error).message;
        this.log.warn({ err: (err as Error).message }, 'enactor cycle failed');
      },
    });
  }

  /** Amazon's first remediation (FIX_ENACTOR at start; PUT /lab/fix switches it): read at every step. */
  get fix(): boolean {
    return this.opts.fix;
  }

  set fix(on: boolean) {
    this.opts.fix = on;
  }

  /** One pass: pick up the newest plan if it is new to this enactor, apply it, clean up. */
  async cycle(): Promise<Record<string, EndpointOutcome> | null> {
    const plan = await this.plans.latest();
    if (!plan || plan.generation <= this.lastPicked) return null;
    this.lastPicked = plan.generation;
    this.stats.plansPicked++;

    // The freshness check, made once before starting. With the defect it is never made again.
    const fresh: string[] = [];
    const outcomes: Record<string, EndpointOutcome> = {};
    for (const endpoint of Object.keys(plan.endpoints)) {
      const applied = await this.plans.appliedGeneration(endpoint);
      if (plan.generation > applied) fresh.push(endpoint);
      else outcomes[endpoint] = 'stale';
    }
    for (const endpoint of fresh) outcomes[endpoint] = await this.applyEndpoint(plan, endpoint);
    this.current = null;
    const applied = Object.entries(outcomes).filter(([, o]) => o === 'applied').map(([e]) => e);
    if (applied.length > 0) {
      this.lastApplied = { generation: plan.generation, at: this.clock.now() };
      await this.cleanup(plan, applied);
    }
    return outcomes;
  }

  private async applyEndpoint(plan: Plan, endpoint: string): Promise<EndpointOutcome> {
    const g = plan.generation;
    const targets = plan.endpoints[endpoint] ?? [];
    const tree = treeName(endpoint, g);
    const ttl = this.opts.recordTtl;
    let held: LockValue | null = null;
    try {
      if (this.opts.fix && targets.length === 0) throw new Abandon('refused', `plan ${g} would leave ${endpoint} without addresses`);
      this.current = { generation: g, endpoint, step: 'write-tree', attempts: 0 };
      held = await this.withLock(endpoint, async () => [
        { action: 'UPSERT', name: tree, type: 'TXT', ttl, values: [`generation=${g};by=${this.opts.id}`] },
        ...targets.map((t): Change => ({ action: 'UPSERT', name: tree, type: 'A', ttl, setId: t.id, weight: t.weight, values: [t.address] })),
      ]);

      this.current = { generation: g, endpoint, step: 'flip-alias', attempts: 0 };
      held = await this.withLock(endpoint, async (records) => {
        const alias = records.find((r) => r.name === endpoint && r.type === 'ALIAS');
        const previous = alias?.target;
        const changes: Change[] = [];
        if (this.opts.fix) {
          const activeGen = treeGeneration(endpoint, previous);
          if (activeGen !== null && activeGen >= g) throw new Abandon('stale', `plan ${g} is not newer than the active plan ${activeGen}`);
          // Conditional on the applied generation: fails if the alias moved since we read it.
          if (alias) changes.push({ action: 'DELETE', ...alias });
          changes.push({ action: 'CREATE', name: endpoint, type: 'ALIAS', ttl, target: tree });
        } else {
          changes.push({ action: 'UPSERT', name: endpoint, type: 'ALIAS', ttl, target: tree });
        }
        if (previous && previous !== tree) changes.push({ action: 'UPSERT', name: rollbackName(endpoint), type: 'ALIAS', ttl, target: previous });
        return changes;
      });
      await this.release(endpoint, held);
      held = null;
      await this.plans.recordApplied(endpoint, g);
      this.stats.applied++;
      this.events.emit('plan-applied', { generation: g, endpoint, targets: targets.length });
      return 'applied';
    } catch (err) {
      if (!(err instanceof Abandon)) throw err;
      this.stats[err.outcome === 'gave-up' ? 'lockLost' : err.outcome === 'refused' ? 'refused' : err.outcome === 'stale' ? 'stale' : 'inconsistent']++;
      this.lastError = err.message;
      this.events.emit(`plan-${err.outcome}`, { generation: g, endpoint, reason: err.message });
      (err.outcome === 'inconsistent' ? this.log.error.bind(this.log) : this.log.warn.bind(this.log))({ generation: g, endpoint }, err.message);
      return err.outcome;
    } finally {
      // A plan given up must not keep the others out of the endpoint.
      if (held) await this.release(endpoint, held);
    }
  }

  /**
   * Runs one change batch under the endpoint's lock: read the lock, back off while someone else holds it,
   * otherwise send [DELETE exact lock, CREATE our lock, ...changes]. A 409 on the lock means someone got
   * there first: back off and try again. Returns the lock value we now hold.
   */
  private async withLock(endpoint: string, build: (records: RecordSet[]) => Promise<Change[]>): Promise<LockValue> {
    for (let attempt = 1; ; attempt++) {
      if (this.current) this.current.attempts = attempt;
      if (attempt > this.opts.maxAttempts) throw new Abandon('gave-up', `gave up on ${endpoint} after ${attempt - 1} attempts`);
      try {
        const records = await this.dns.records({ suffix: endpoint });
        const lock = lockRecord(records, endpoint);
        const other = heldByOther(lock, this.opts.id, this.clock.now());
        if (other) {
          this.stats.lockLost++;
          this.events.emit('lock-busy', { endpoint, holder: other.holder, attempt });
        } else {
          const mine: LockValue = { holder: this.opts.id, expires: this.clock.now() + this.opts.lockTtlMs };
          const changes = [...swapLock(lock, endpoint, mine, 0), ...(await build(records))];
          await this.dns.change(changes, `${this.opts.id} ${this.current?.step ?? ''} ${this.current?.generation ?? ''}`);
          return mine;
        }
      } catch (err) {
        if (err instanceof Abandon) throw err;
        if (err instanceof ChangeRejected && err.code === 'DNS_ERR_ALIAS_TARGET_MISSING') {
          throw new Abandon('inconsistent', `cannot apply: ${err.message}`);
        }
        if (isLockConflict(err)) {
          this.stats.lockLost++;
          this.events.emit('lock-lost', { endpoint, attempt });
        } else {
          this.lastError = (err as Error).message;
          this.log.warn({ endpoint, attempt, err: (err as Error).message }, 'change batch failed');
        }
      }
      await this.clock.sleep(this.backoff(attempt), this.loop.signal);
    }
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(ceiling / 2 + this.random.next() * (ceiling / 2));
  }

  private async release(endpoint: string, held: LockValue): Promise<void> {
    const current = { name: `_lock.${endpoint}`, type: 'TXT' as const, ttl: 0, values: [`holder=${held.holder};expires=${held.expires}`] };
    await this.dns.change(swapLock(current, endpoint, { holder: '', expires: 0 }, 0)).catch(() => undefined);
  }

  /** Deletes plan trees many generations older than the plan just applied, from one listing, paced. */
  private async cleanup(plan: Plan, endpoints: string[]): Promise<void> {
    const oldest = plan.generation - this.opts.cleanupThreshold;
    for (const endpoint of endpoints) {
      this.current = { generation: plan.generation, endpoint, step: 'clean-up', attempts: 0 };
      const trees = new Map<number, RecordSet[]>();
      for (const r of await this.dns.records({ suffix: plansSuffix(endpoint) })) {
        const g = treeGeneration(endpoint, r.name);
        if (g !== null && g < oldest) trees.set(g, [...(trees.get(g) ?? []), r]);
      }
      for (const [g, records] of [...trees.entries()].sort((a, b) => a[0] - b[0])) {
        const changes: Change[] = records.map((r) => ({ action: 'DELETE', ...r }));
        if (this.opts.fix) {
          const guard = await this.guardActive(endpoint, treeName(endpoint, g));
          if (!guard) continue;
          changes.push(...guard);
        }
        try {
          await this.dns.change(changes, `${this.opts.id} clean-up ${g}`);
          this.stats.treesDeleted++;
          this.events.emit('plan-deleted', { generation: g, endpoint, appliedGeneration: plan.generation });
        } catch (err) {
          if (!(err instanceof ChangeRejected)) this.log.warn({ err: (err as Error).message }, 'clean-up batch failed');
        }
        await this.clock.sleep(this.opts.cleanupPauseMs, this.loop.signal);
      }
    }
  }

  /** With the fix: null if the tree is active or the rollback target; else preconditions that keep it so. */
  private async guardActive(endpoint: string, tree: string): Promise<Change[] | null> {
    const aliases = (await this.dns.records({ suffix: endpoint })).filter(
      (r) => r.type === 'ALIAS' && (r.name === endpoint || r.name === rollbackName(endpoint)),
    );
    if (aliases.some((a) => a.target === tree)) return null;
    return aliases.flatMap((a): Change[] => [{ action: 'DELETE', ...a }, { action: 'CREATE', ...a }]);
  }

  run(): Promise<void> {
    return this.loop.run(async () => {
      if (!this.paused) await this.cycle();
    });
  }

  pause(): void {
    this.paused = true;
    this.events.emit('paused');
  }
  resume(): void {
    this.paused = false;
    this.events.emit('resumed');
  }
  get isPaused(): boolean {
    return this.paused;
  }
  stop(): Promise<void> {
    return this.loop.stop();
  }
}
