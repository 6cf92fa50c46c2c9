// Reads just enough of an incoming DNS message to answer it: the header, the one question (as a cache
// key) and the EDNS OPT record if present. Never throws and never allocates more than the key, because
// it runs for every packet, including hostile ones.
import { RCODE } from './resolve.js';

export interface Query {
  /** Offset just past the question (name + qtype + qclass). */
  qend: number;
  qtype: number;
  qclass: number;
  /** Question bytes from offset 12 lowercased (ASCII), as latin1: the answer-cache key. */
  key: string;
  /** Requestor's UDP payload size from EDNS, or 0 when the query has no OPT record. */
  ednsSize: number;
  ednsVersion: number;
}

/** drop: not answerable (too short or a response); a number: answer with that rcode and no question. */
export type ParseResult = Query | 'drop' | number;

const MAX_NAME = 255;

export function parseQuery(msg: Buffer): ParseResult {
  const len = msg.length;
  if (len < 12) return 'drop';
  const flags = msg[2]!;
  if (flags & 0x80) return 'drop'; // QR set: a response, never answer it (no reflection loops)
  if ((flags & 0x78) !== 0) return RCODE.NOTIMP; // opcode other than QUERY
  const qdcount = msg.readUInt16BE(4);
  const ancount = msg.readUInt16BE(6);
  const nscount = msg.readUInt16BE(8);
  const arcount = msg.readUInt16BE(10);
  if (qdcount !== 1 || ancount !== 0 || nscount !== 0 || arcount > 1) return RCODE.FORMERR;

  let pos = 12;
  let upper = false;
  for (;;) {
    if (pos >= len) return RCODE.FORMERR;
    const labelLen = msg[pos]!;
    if (labelLen === 0) break;
    if (labelLen > 63) return RCODE.FORMERR; // compression pointers and reserved label types
    if (pos + 1 + labelLen - 12 >= MAX_NAME) return RCODE.FORMERR;
    for (let i = pos + 1; i <= pos + labelLen && i < len; i++) {
      const c = msg[i]!;
      if (c >= 0x41 && c <= 0x5a) upper = true;
    }
    pos += 1 + labelLen;
  }
  const qend = pos + 5;
  if (qend > len) return RCODE.FORMERR;
  const qtype = msg.readUInt16BE(pos + 1);
  const qclass = msg.readUInt16BE(pos + 3);

  let ednsSize = 0;
  let ednsVersion = 0;
  if (arcount === 1) {
    // Only OPT is understood in a query's additional section: root name, type 41.
    if (qend + 11 > len || msg[qend] !== 0 || msg.readUInt16BE(qend + 1) !== 41) return RCODE.FORMERR;
    const rdlen = msg.readUInt16BE(qend + 9);
    if (qend + 11 + rdlen > len) return RCODE.FORMERR;
    ednsSize = Math.max(512, msg.readUInt16BE(qend + 3));
    ednsVersion = msg[qend + 6]!;
  }

  let key: string;
  if (!upper) key = msg.toString('latin1', 12, qend);
  else {
    const lower = Buffer.from(msg.subarray(12, qend));
    for (let i = 0; i < lower.length - 4; i++) {
      const c = lower[i]!;
      if (c >= 0x41 && c <= 0x5a) lower[i] = c | 0x20;
    }
    key = lower.toString('latin1');
  }
  return { qend, qtype, qclass, key, ednsSize, ednsVersion };
}

/** The lowercase name of a question key ("" for the root); plain is false when a label holds a dot. */
export function nameOfKey(key: string): { name: string; plain: boolean } {
  const labels: string[] = [];
  let plain = true;
  let pos = 0;
  for (;;) {
    const labelLen = key.charCodeAt(pos);
    if (labelLen === 0) break;
    const label = key.slice(pos + 1, pos + 1 + labelLen);
    if (label.includes('.')) plain = false;
    labels.push(label);
    pos += 1 + labelLen;
  }
  return { name: labels.join('.'), plain };
}
