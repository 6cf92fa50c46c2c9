// Fast answering in wire format. Answers are kept ready per question (lowercased qname + qtype + qclass)
// and thrown away whenever the zone serial moves; a weighted set keeps one ready answer per variant and
// only the choice is made per query. Per query we parse the header and question, copy a ready answer,
// then patch in the query's ID, RD bit and question bytes (which keeps its 0x20 mixed case).
import dns2 from 'dns2';
import type { Random } from '../../lib/random.js';
import { nameOfKey, parseQuery, type Query } from './query.js';
import { resolve, RCODE, type Answer, type Resolution } from './resolve.js';
import type { Zone } from './zone.js';

const { Packet } = dns2;
type Resource = InstanceType<typeof dns2.Packet.Resource>;

export type Transport = 'udp' | 'tcp';

/** Our OPT record in answers to EDNS queries: root owner, type 41, payload size 1232, version 0. */
const OPT = Buffer.from([0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0]);
const BADVERS = 16;

interface Ready {
  buffers: Buffer[];
  /** Cumulative probabilities when there are several variants. */
  cumulative: number[];
  statKey: number;
}

/** Query counts by (qtype, rcode), kept as plain numbers: prom-client labels are too slow per query. */
export class QueryStats {
  readonly counts = new Map<number, number>();
  dropped = 0;
  record(qtype: number, rcode: number): void {
    const key = qtype * 32 + rcode;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  *entries(): Generator<{ qtype: number; rcode: number; count: number }> {
    for (const [key, count] of this.counts) yield { qtype: Math.floor(key / 32), rcode: key % 32, count };
  }
}

export class Answerer {
  readonly stats = new QueryStats();
  private cache = new Map<string, Ready>();
  private serial = -1;

  constructor(
    private readonly zone: Zone,
    private readonly random: Random,
    private readonly maxEntries = 20_000,
  ) {}

  /** The response to one message, or null when it must be dropped. Never throws on any input. */
  answer(msg: Buffer, transport: Transport): Buffer | null {
    const query = parseQuery(msg);
    if (query === 'drop') {
      this.stats.dropped++;
      return null;
    }
    if (typeof query === 'number') {
      this.stats.record(0, query);
      return headerOnly(msg, query);
    }
    if (query.ednsVersion > 0) {
      this.stats.record(query.qtype, BADVERS);
      return badVersion(msg, query);
    }
    const ready = this.lookup(query);
    this.stats.record(query.qtype, ready.statKey);
    const buffer = ready.buffers.length === 1 ? ready.buffers[0]! : ready.buffers[this.choose(ready.cumulative)]!;
    const limit = transport === 'tcp' ? 65535 : query.ednsSize || 512;
    const optLen = query.ednsSize > 0 ? OPT.length : 0;
    if (buffer.length + optLen > limit) return truncated(msg, query);
    const out = Buffer.allocUnsafe(buffer.length + optLen);
    buffer.copy(out);
    out[0] = msg[0]!;
    out[1] = msg[1]!;
    out[2] = buffer[2]! | (msg[2]! & 0x01);
    msg.copy(out, 12, 12, query.qend);
    if (optLen > 0) {
      OPT.copy(out, buffer.length);
      out[11] = 1;
    }
    return out;
  }

  private lookup(query: Query): Ready {
    if (this.zone.serial !== this.serial) {
      this.cache.clear();
      this.serial = this.zone.serial;
    }
    let ready = this.cache.get(query.key);
    if (!ready) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      ready = build(this.zone, query);
      this.cache.set(query.key, ready);
    }
    return ready;
  }

  private choose(cumulative: number[]): number {
    const r = this.random.next() * cumulative[cumulative.length - 1]!;
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]!) return i;
    return cumulative.length - 1;
  }
}

/** Builds the ready answers of one question with dns2's Packet (the slow path, once per zone serial). */
function build(zone: Zone, query: Query): Ready {
  const { name, plain } = nameOfKey(query.key);
  const none = [{ probability: 1, answers: [] }];
  const resolution: Resolution =
    query.qclass !== 1
      ? { rcode: RCODE.REFUSED, variants: none }
      : !plain // a dot inside a label: no such name can exist here
        ? { rcode: zone.contains(name) ? RCODE.NXDOMAIN : RCODE.REFUSED, variants: none }
        : resolve(zone, name, query.qtype);
  const variants = resolution.variants.filter((v) => v.probability > 0);
  const chosen = variants.length > 0 ? variants : resolution.variants.slice(0, 1);
  let sum = 0;
  return {
    buffers: chosen.map((v) => encode(zone, query, plain ? name : null, resolution.rcode, v.answers)),
    cumulative: chosen.map((v) => (sum += v.probability)),
    statKey: resolution.rcode,
  };
}

function encode(zone: Zone, query: Query, name: string | null, rcode: number, answers: Answer[]): Buffer {
  const questionLen = query.key.length;
  const authorities = answers.length === 0 && (rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN) ? [soaResource(zone)] : [];
  if (name !== null) {
    const packet = new Packet();
    Object.assign(packet.header, { id: 0, qr: 1, opcode: 0, aa: rcode === RCODE.REFUSED ? 0 : 1, rcode });
    packet.questions.push({ name, type: query.qtype, class: query.qclass } as never);
    packet.answers = answers.map((a) => toResource(name, a));
    packet.authorities = authorities;
    const buffer = packet.toBuffer();
    if (questionLen === encodedQuestionLength(buffer)) return buffer;
  }
  // A name that dns2 cannot round-trip (a dot inside a label): question bytes as received, no compression.
  const header = Buffer.alloc(12);
  header[2] = rcode === RCODE.REFUSED ? 0x80 : 0x84;
  header[3] = rcode;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(authorities.length, 8);
  return Buffer.concat([header, Buffer.from(query.key, 'latin1'), ...authorities.map((r) => Packet.Resource.encode(r))]);
}

function encodedQuestionLength(buffer: Buffer): number {
  let pos = 12;
  while (pos < buffer.length && buffer[pos] !== 0) pos += 1 + buffer[pos]!;
  return pos + 5 - 12;
}

function toResource(owner: string, answer: Answer): Resource {
  const base = { name: owner, type: answer.type, class: 1, ttl: answer.ttl };
  switch (answer.type) {
    case 1:
    case 28:
      return { ...base, address: answer.address } as Resource;
    case 16:
      return { ...base, data: [answer.text] } as Resource;
    case 2:
      return { ...base, ns: answer.host } as Resource;
    case 6:
      return soaToResource(owner, answer.soa.ttl, answer.soa);
  }
}

function soaResource(zone: Zone): Resource {
  const soa = zone.soa();
  return soaToResource(zone.origin, soa.ttl, soa);
}

function soaToResource(owner: string, ttl: number, soa: ReturnType<Zone['soa']>): Resource {
  return {
    name: owner,
    type: 6,
    class: 1,
    ttl,
    primary: soa.primary,
    admin: soa.admin,
    serial: soa.serial,
    refresh: 3600,
    retry: 600,
    expiration: 86400,
    minimum: soa.minimum,
  } as Resource;
}

/** FORMERR / NOTIMP: the header alone, with the query's ID, opcode and RD. */
function headerOnly(msg: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 2);
  out[2] = 0x80 | (msg[2]! & 0x79);
  out[3] = rcode;
  return out;
}

/** TC set, question only: the client retries over TCP. */
function truncated(msg: Buffer, query: Query): Buffer {
  const optLen = query.ednsSize > 0 ? OPT.length : 0;
  const out = Buffer.alloc(query.qend + optLen);
  msg.copy(out, 0, 0, query.qend);
  out[2] = 0x86 | (msg[2]! & 0x01);
  out[3] = 0;
  out.writeUInt16BE(1, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(optLen ? 1 : 0, 10);
  if (optLen) OPT.copy(out, query.qend);
  return out;
}

/** RFC 6891: an EDNS version we do not speak gets BADVERS (extended rcode 1 in the OPT TTL). */
function badVersion(msg: Buffer, query: Query): Buffer {
  const out = truncated(msg, query);
  out[2] = 0x84 | (msg[2]! & 0x01);
  out[query.qend + 5] = 1;
  return out;
}
