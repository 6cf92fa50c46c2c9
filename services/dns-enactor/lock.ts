// The per-endpoint lock, as Amazon described it: a TXT record holding the holder and an expiry. Every
// change batch starts by DELETing the exact lock record it read and CREATing its own; the batch is
// transactional, so it fails (409) when someone else changed the lock in between.
import type { Change, RecordSet } from '../../lib/dns-control.js';
import { lockName } from '../../lib/plans.js';

export interface LockValue {
  holder: string;
  expires: number;
}

export const encodeLock = (v: LockValue) => `holder=${v.holder};expires=${v.expires}`;

export function decodeLock(text: string | undefined): LockValue | null {
  const m = /^holder=([^;]*);expires=(\d+)$/.exec(text ?? '');
  return m ? { holder: m[1] as string, expires: Number(m[2]) } : null;
}

/** The lock record as read from the zone (null when there is none yet). */
export function lockRecord(records: readonly RecordSet[], endpoint: string): RecordSet | null {
  return records.find((r) => r.name === lockName(endpoint) && r.type === 'TXT') ?? null;
}

/** Held by someone else and not yet expired. */
export function heldByOther(record: RecordSet | null, me: string, now: number): LockValue | null {
  const value = decodeLock(record?.values?.[0]);
  return value && value.holder !== me && value.holder !== '' && value.expires > now ? value : null;
}

/** The two changes that open every batch: take the lock from whatever it was to ours. */
export function swapLock(current: RecordSet | null, endpoint: string, mine: LockValue, ttl: number): Change[] {
  const create: Change = { action: 'CREATE', name: lockName(endpoint), type: 'TXT', ttl, values: [encodeLock(mine)] };
  return current ? [{ action: 'DELETE', ...current }, create] : [create];
}
