// A droplet's lease, kept in the kv store under lease/droplet/<id> as {holder:'dwfm', expires, epoch}.
// Renewing and re-establishing both cost three steps: the read, a state check with the droplet host (DWFM
// "must complete a state check with each droplet"), then the conditional write, on the version read for a
// renewal, with a new epoch for an establishment. Each call runs as one step of a work-queue item
// (work-queue.ts): every step waits its turn in DWFM's queue, and the item's abort signal stops it where
// it is (its work so far is wasted).
import type { KvItem } from '../../lib/kv-client.js';
import type { StepRunner } from './work-queue.js';
import type { CheckKind } from '../../lib/contract.js';

/** Outside a work queue (tests, tools) every step runs at once. */
export const direct: StepRunner = (fn) => fn(new AbortController().signal);

export interface LeaseRecord {
  holder: 'dwfm';
  /** Epoch ms at which the lease lapses unless renewed. */
  expires: number;
  /** Increases every time the lease is re-established. */
  epoch: number;
}

/** The part of lib/kv-client.ts the leases need (tests inject a fake with their own latency). */
export interface LeaseStore {
  get(key: string, opts?: { signal?: AbortSignal }): Promise<KvItem<LeaseRecord> | null>;
  put(key: string, value: LeaseRecord, opts?: { expectedVersion?: number; signal?: AbortSignal }): Promise<{ version: number }>;
}

export interface DropletCheck {
  /** The state check with the droplet host; rejects when the host cannot confirm. */
  check(az: string, dropletId: string, signal?: AbortSignal, kind?: CheckKind): Promise<void>;
}

export interface HeldLease {
  expires: number;
  epoch: number;
  version: number;
}

export class LeaseGone extends Error {
  constructor(readonly dropletId: string, reason: string) {
    super(`lease of ${dropletId} cannot be renewed: ${reason}`);
    this.name = 'LeaseGone';
  }
}

export const leaseKey = (dropletId: string) => `lease/droplet/${dropletId}`;

/**
 * Renews DWFM's lease on a droplet; `ttlMs` is read when the record is written (a new lab clock may come
 * while the renewal waits on the kv store or the droplet). `heldUntil`: when the lease DWFM holds runs out, if later than its
 * record says (a new lab clock stretched what was left of it; the record catches up with this write).
 */
export async function renewLease(
  store: LeaseStore, droplets: DropletCheck, az: string, dropletId: string, now: () => number, ttlMs: () => number, step: StepRunner = direct, heldUntil = 0,
): Promise<HeldLease> {
  const key = leaseKey(dropletId);
  const item = await step((signal) => store.get(key, { signal }));
  if (!item) throw new LeaseGone(dropletId, 'no lease record');
  if (item.value.holder !== 'dwfm' || Math.max(item.value.expires, heldUntil) <= now()) throw new LeaseGone(dropletId, 'lease already lapsed');
  await step((signal) => droplets.check(az, dropletId, signal, 'renew'));
  const { version, record } = await step(async (signal) => {
    const record: LeaseRecord = { holder: 'dwfm', expires: now() + ttlMs(), epoch: item.value.epoch };
    return { record, ...(await store.put(key, record, { expectedVersion: item.version, signal })) };
  });
  return { expires: record.expires, epoch: record.epoch, version };
}

export async function establishLease(
  store: LeaseStore, droplets: DropletCheck, az: string, dropletId: string, now: () => number, ttlMs: () => number, step: StepRunner = direct,
): Promise<HeldLease> {
  const key = leaseKey(dropletId);
  const item = await step((signal) => store.get(key, { signal }));
  await step((signal) => droplets.check(az, dropletId, signal, 'establish'));
  // The expiry is computed when the write is made, not when the item started.
  const { version, record } = await step(async (signal) => {
    const record: LeaseRecord = { holder: 'dwfm', expires: now() + ttlMs(), epoch: (item?.value.epoch ?? 0) + 1 };
    return { record, ...(await store.put(key, record, { expectedVersion: item?.version ?? 0, signal })) };
  });
  return { expires: record.expires, epoch: record.epoch, version };
}
