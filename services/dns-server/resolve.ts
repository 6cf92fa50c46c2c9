// Query-time resolution: what the zone answers for (name, type), independent of the wire format.
// Aliases are followed at query time (owner stays the queried name, TTL comes from the target), weighted
// sets become "variants" with a probability each, so the wire cache can keep one ready answer per
// variant and only the choice is made per query.
import type { Random } from '../../lib/random.js';
import type { Soa, Zone } from './zone.js';
import type { ZoneRecord } from './record.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export const QTYPE = { A: 1, NS: 2, SOA: 6, TXT: 16, AAAA: 28 } as const;
export const RCODE_NAME: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([k, v]) => [v, k]));

const MAX_ALIAS_DEPTH = 8;

export type Answer =
  | { type: 1 | 28; ttl: number; address: string }
  | { type: 16; ttl: number; text: string }
  | { type: 2; ttl: number; host: string }
  | { type: 6; ttl: number; soa: Soa };

/** One possible answer: with weighted sets a query gets exactly one variant. No answers = NODATA. */
export interface Variant {
  probability: number;
  answers: Answer[];
}

export interface Resolution {
  rcode: number;
  variants: Variant[];
}

const only = (answers: Answer[]): Variant[] => [{ probability: 1, answers }];

export function resolve(zone: Zone, name: string, qtype: number): Resolution {
  if (!zone.contains(name)) return { rcode: RCODE.REFUSED, variants: only([]) };
  if (name === zone.origin && qtype === QTYPE.SOA) {
    const soa = zone.soa();
    return { rcode: RCODE.NOERROR, variants: only([{ type: QTYPE.SOA, ttl: soa.ttl, soa }]) };
  }
  if (name === zone.origin && qtype === QTYPE.NS) {
    return { rcode: RCODE.NOERROR, variants: only([{ type: QTYPE.NS, ttl: 3600, host: zone.soa().primary }]) };
  }
  let variants: Variant[] = [];
  if (qtype === QTYPE.A || qtype === QTYPE.AAAA) variants = addressVariants(zone, name, qtype, 0);
  else if (qtype === QTYPE.TXT) variants = ownVariants(zone.recordsAt(name).filter((r) => r.type === 'TXT'), qtype);
  if (variants.length > 0) return { rcode: RCODE.NOERROR, variants };
  return { rcode: zone.exists(name) ? RCODE.NOERROR : RCODE.NXDOMAIN, variants: only([]) };
}

/** Chooses the variant a query gets (Route 53: proportional to weight, uniform if every weight is 0). */
export function pick(resolution: Resolution, random: Random): Variant {
  const { variants } = resolution;
  if (variants.length === 1) return variants[0]!;
  const index = random.weightedIndex(variants.map((v) => v.probability));
  return variants[index < 0 ? random.int(0, variants.length - 1) : index]!;
}

function addressVariants(zone: Zone, name: string, qtype: 1 | 28, depth: number): Variant[] {
  const at = zone.recordsAt(name);
  const aliases = at.filter((r) => r.type === 'ALIAS');
  if (aliases.length === 0) return ownVariants(at.filter((r) => r.type === (qtype === QTYPE.A ? 'A' : 'AAAA')), qtype);
  // Past the depth limit (or in a loop) the alias leads nowhere: NODATA.
  if (depth >= MAX_ALIAS_DEPTH) return only([]);
  const shares = sharesOf(aliases);
  return aliases.flatMap((alias, i) => {
    const inner = addressVariants(zone, alias.target!, qtype, depth + 1);
    if (inner.length === 0) return [{ probability: shares[i]!, answers: [] }];
    return inner.map((v) => ({ probability: shares[i]! * v.probability, answers: v.answers }));
  });
}

function ownVariants(records: ZoneRecord[], qtype: number): Variant[] {
  const shares = sharesOf(records);
  return records.map((record, i) => ({
    probability: shares[i]!,
    answers: (record.values ?? []).map((value): Answer =>
      qtype === QTYPE.TXT ? { type: 16, ttl: record.ttl, text: value } : { type: qtype as 1 | 28, ttl: record.ttl, address: value },
    ),
  }));
}

function sharesOf(records: ZoneRecord[]): number[] {
  const total = records.reduce((sum, r) => sum + (r.weight ?? 0), 0);
  return records.map((r) => (total > 0 ? (r.weight ?? 0) / total : 1 / records.length));
}
