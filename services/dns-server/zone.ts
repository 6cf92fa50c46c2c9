// The record store of one zone and its transactional change batches (Route 53 ChangeResourceRecordSets):
// a batch is checked in full against a working copy and committed only if every change and every
// zone-wide rule holds, so readers never see half a batch. apply() is synchronous, so two batches can
// never interleave. Every commit bumps the SOA serial.
import {
  identityOf,
  inZone,
  normaliseRecord,
  sameRecord,
  type RecordInput,
  type ZoneRecord,
} from './record.js';
import { aliasConflict, aliasTargetMissing, deleteMismatch, recordExists, routingConflict } from './errors.js';

export type ChangeAction = 'CREATE' | 'DELETE' | 'UPSERT';
export interface Change extends RecordInput {
  action: ChangeAction;
}

export interface ApplyResult {
  applied: number;
  serial: number;
  names: string[];
}

export interface Soa {
  primary: string;
  admin: string;
  serial: number;
  ttl: number;
  minimum: number;
}

export interface ZoneOptions {
  origin: string;
  /** SOA minimum and SOA TTL: how long resolvers cache NXDOMAIN/NODATA. */
  negativeTtl: number;
  initial?: RecordInput[];
}

type RecordMap = Map<string, ZoneRecord>;

export class Zone {
  readonly origin: string;
  readonly negativeTtl: number;
  private records: RecordMap = new Map();
  private byName = new Map<string, ZoneRecord[]>();
  /** Names with records below them (empty non-terminals answer NODATA, not NXDOMAIN). */
  private interior = new Set<string>();
  private currentSerial = 1;

  constructor(opts: ZoneOptions) {
    this.origin = opts.origin;
    this.negativeTtl = opts.negativeTtl;
    for (const input of opts.initial ?? []) {
      const record = normaliseRecord(input, this.origin);
      this.records.set(identityOf(record), record);
    }
    this.index();
  }

  get serial(): number {
    return this.currentSerial;
  }

  get size(): number {
    return this.records.size;
  }

  soa(): Soa {
    return {
      primary: `ns1.${this.origin}`,
      admin: `hostmaster.${this.origin}`,
      serial: this.currentSerial,
      ttl: this.negativeTtl,
      minimum: this.negativeTtl,
    };
  }

  /** Records owned by exactly this (lowercase) name. */
  recordsAt(name: string): readonly ZoneRecord[] {
    return this.byName.get(name) ?? [];
  }

  /** True when the name is the apex, has records, or has records below it. */
  exists(name: string): boolean {
    return name === this.origin || this.byName.has(name) || this.interior.has(name);
  }

  contains(name: string): boolean {
    return inZone(name, this.origin);
  }

  list(filter: { name?: string; suffix?: string } = {}): ZoneRecord[] {
    const all = [...this.records.values()];
    const picked = filter.name !== undefined
      ? all.filter((r) => r.name === filter.name)
      : filter.suffix !== undefined
        ? all.filter((r) => r.name === filter.suffix || r.name.endsWith(`.${filter.suffix}`))
        : all;
    return picked.sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || (a.setId ?? '').localeCompare(b.setId ?? ''));
  }

  /** Applies the whole batch or nothing; throws a LabError (400/409) naming the first broken rule. */
  apply(changes: readonly Change[]): ApplyResult {
    const normalised = changes.map((c) => ({ action: c.action, record: normaliseRecord(c, this.origin) }));
    const working: RecordMap = new Map(this.records);
    const touched = new Set<string>();
    normalised.forEach(({ action, record }, index) => {
      const id = identityOf(record);
      const existing = working.get(id);
      if (action === 'CREATE') {
        if (existing) throw recordExists(id, index);
        working.set(id, record);
      } else if (action === 'UPSERT') {
        working.set(id, record);
      } else {
        if (!existing) throw deleteMismatch(id, index, 'which does not exist');
        if (!sameRecord(existing, record)) throw deleteMismatch(id, index, 'does not match the existing record exactly');
        working.delete(id);
      }
      touched.add(record.name);
    });
    checkZoneRules(working, touched, normalised.filter((c) => c.action !== 'DELETE' && c.record.type === 'ALIAS').map((c) => c.record));
    this.records = working;
    this.currentSerial++;
    this.index();
    return { applied: normalised.length, serial: this.currentSerial, names: [...touched].sort() };
  }

  private index(): void {
    const byName = new Map<string, ZoneRecord[]>();
    const interior = new Set<string>();
    for (const record of this.records.values()) {
      const list = byName.get(record.name);
      if (list) list.push(record);
      else byName.set(record.name, [record]);
      let parent = record.name;
      while (parent !== this.origin) {
        parent = parent.slice(parent.indexOf('.') + 1);
        if (interior.has(parent)) break;
        interior.add(parent);
      }
    }
    this.byName = byName;
    this.interior = interior;
  }
}

/** Rules that hold for the zone as a whole, checked on the working copy before commit. */
function checkZoneRules(working: RecordMap, touched: Set<string>, newAliases: ZoneRecord[]): void {
  const atTouched = new Map<string, ZoneRecord[]>();
  const names = new Set<string>();
  for (const record of working.values()) {
    names.add(record.name);
    if (touched.has(record.name)) {
      const list = atTouched.get(record.name) ?? [];
      list.push(record);
      atTouched.set(record.name, list);
    }
  }
  for (const [name, records] of atTouched) {
    const hasAlias = records.some((r) => r.type === 'ALIAS');
    if (hasAlias && records.some((r) => r.type === 'A' || r.type === 'AAAA')) throw aliasConflict(name);
    for (const type of new Set(records.map((r) => r.type))) {
      const ofType = records.filter((r) => r.type === type);
      const weighted = ofType.filter((r) => r.setId !== undefined).length;
      if (weighted > 0 && weighted < ofType.length) throw routingConflict(name, type);
    }
  }
  for (const alias of newAliases) {
    // Route 53 refuses an alias to nothing; this is what kept the incident's enactors from repairing it.
    if (!names.has(alias.target!)) throw aliasTargetMissing(alias.name, alias.target!);
  }
}
