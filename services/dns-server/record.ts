// The record model of the zone: what a record is, its identity, and how a record given in a change is
// checked and normalised, so that "a DELETE must match exactly" compares like with like (lowercased
// names, canonical IPv6, values as a set, default TTL applied on both sides).
import { isIPv4, isIPv6 } from 'node:net';
import { badRequest } from '../../lib/errors.js';

export const RECORD_TYPES = ['A', 'AAAA', 'TXT', 'ALIAS'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const DEFAULT_TTL = 60;
export const MAX_TTL = 86400;
export const MAX_WEIGHT = 255;

export interface ZoneRecord {
  name: string;
  type: RecordType;
  ttl: number;
  /** A: IPv4, AAAA: IPv6 (canonical), TXT: strings; absent for ALIAS. */
  values?: string[];
  /** ALIAS only: a name in the zone. */
  target?: string;
  /** Weighted sets: several records with the same name and type, each with its own setId. */
  setId?: string;
  weight?: number;
}

/** A record as a client writes it (names in any case, optional ttl). */
export interface RecordInput {
  name: string;
  type: string;
  ttl?: number;
  values?: string[];
  target?: string;
  setId?: string;
  weight?: number;
}

export const identityOf = (r: { name: string; type: string; setId?: string }): string =>
  `${r.name}|${r.type}|${r.setId ?? ''}`;

export const normaliseName = (raw: string): string => raw.toLowerCase().replace(/\.$/, '');

const LABEL = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$/;

export function isValidName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

export const inZone = (name: string, origin: string): boolean => name === origin || name.endsWith(`.${origin}`);

function zoneName(raw: string, origin: string, what: string): string {
  const name = normaliseName(raw);
  if (!isValidName(name)) throw badRequest(`${what} ${JSON.stringify(raw)} is not a valid DNS name`);
  if (!inZone(name, origin)) throw badRequest(`${what} ${JSON.stringify(raw)} is outside the zone ${origin}`);
  return name;
}

function normaliseValues(type: RecordType, values: string[] | undefined, name: string): string[] {
  if (!values || values.length === 0) throw badRequest(`${type} record ${name} needs at least one value`);
  const out = values.map((v) => {
    if (type === 'A') {
      if (!isIPv4(v)) throw badRequest(`${JSON.stringify(v)} is not an IPv4 address (record ${name})`);
      return v;
    }
    if (type === 'AAAA') {
      if (!isIPv6(v) || v.includes('%')) throw badRequest(`${JSON.stringify(v)} is not an IPv6 address (record ${name})`);
      return new URL(`http://[${v}]`).hostname.slice(1, -1);
    }
    if (Buffer.byteLength(v) > 255) throw badRequest(`TXT value longer than 255 bytes (record ${name})`);
    return v;
  });
  return [...new Set(out)];
}

/** Checks one record of a change against the zone and returns it in canonical form (throws 400). */
export function normaliseRecord(input: RecordInput, origin: string): ZoneRecord {
  const type = input.type as RecordType;
  if (!RECORD_TYPES.includes(type)) throw badRequest(`type ${JSON.stringify(input.type)} is not one of ${RECORD_TYPES.join(', ')}`);
  const name = zoneName(input.name, origin, 'name');
  const ttl = input.ttl ?? DEFAULT_TTL;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL) throw badRequest(`ttl must be an integer 0..${MAX_TTL}`);
  const record: ZoneRecord = { name, type, ttl };
  if (type === 'ALIAS') {
    if (input.values !== undefined) throw badRequest(`ALIAS record ${name} takes a target, not values`);
    if (input.target === undefined) throw badRequest(`ALIAS record ${name} needs a target`);
    record.target = zoneName(input.target, origin, 'alias target');
  } else {
    if (input.target !== undefined) throw badRequest(`${type} record ${name} takes values, not a target`);
    record.values = normaliseValues(type, input.values, name);
  }
  if (input.setId !== undefined && input.setId !== '') {
    if (input.weight === undefined) throw badRequest(`record ${name} with setId needs a weight`);
    if (!Number.isInteger(input.weight) || input.weight < 0 || input.weight > MAX_WEIGHT) {
      throw badRequest(`weight must be an integer 0..${MAX_WEIGHT}`);
    }
    record.setId = input.setId;
    record.weight = input.weight;
  } else if (input.weight !== undefined) {
    throw badRequest(`record ${name} has a weight but no setId`);
  }
  return record;
}

const sortedEqual = (a: string[] = [], b: string[] = []): boolean => {
  if (a.length !== b.length) return false;
  const x = [...a].sort();
  const y = [...b].sort();
  return x.every((v, i) => v === y[i]);
};

/** Exact equality as a DELETE needs it: values compared as a set, everything else as is. */
export function sameRecord(a: ZoneRecord, b: ZoneRecord): boolean {
  return (
    a.name === b.name &&
    a.type === b.type &&
    a.ttl === b.ttl &&
    (a.setId ?? '') === (b.setId ?? '') &&
    a.weight === b.weight &&
    a.target === b.target &&
    sortedEqual(a.values, b.values)
  );
}
