// A minimal DNS client over real sockets: what /readyz uses to ask our own UDP listener for the SOA,
// and what the tests use to query the server the way a resolver would.
import dgram from 'node:dgram';
import net from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;
export type DnsPacket = InstanceType<typeof dns2.Packet>;

let nextId = 1;

export function buildQuery(name: string, type: number, opts: { id?: number; ednsSize?: number; rd?: boolean } = {}): Buffer {
  const packet = new Packet();
  packet.header.id = opts.id ?? (nextId = (nextId + 1) & 0xffff);
  packet.header.rd = opts.rd === false ? 0 : 1;
  packet.questions.push({ name, type, class: 1 } as never);
  if (opts.ednsSize) packet.additionals.push(Packet.Resource.EDNS([], { udpPayloadSize: opts.ednsSize }) as never);
  return packet.toBuffer();
}

export const parseMessage = (buffer: Buffer): DnsPacket => Packet.parse(buffer);

/** Sends one datagram and resolves with the first reply whose ID matches; rejects after timeoutMs. */
export function queryUdp(msg: Buffer, port: number, host = '127.0.0.1', timeoutMs = 2000): Promise<Buffer> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no DNS answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('message', (reply) => {
      if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) {
        clearTimeout(timer);
        resolve(reply);
      }
    });
    socket.send(msg, port, host);
  }).finally(() => socket.close());
}

/** A TCP connection to a DNS server that reads length-framed replies in order. */
export class TcpSession {
  private pending = Buffer.alloc(0);
  private frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 2 && this.pending.length >= 2 + this.pending.readUInt16BE(0)) {
        const length = this.pending.readUInt16BE(0);
        this.frames.push(this.pending.subarray(2, 2 + length));
        this.pending = this.pending.subarray(2 + length);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TcpSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new TcpSession(socket)));
      socket.once('error', reject);
    });
  }

  static frame(msg: Buffer): Buffer {
    const out = Buffer.alloc(msg.length + 2);
    out.writeUInt16BE(msg.length, 0);
    msg.copy(out, 2);
    return out;
  }

  write(raw: Buffer): void {
    this.socket.write(raw);
  }

  /** The next reply; rejects when the connection closes first or after timeoutMs. */
  async next(timeoutMs = 2000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no DNS answer over TCP within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves when the server has closed the connection; rejects after timeoutMs. */
  async closedBy(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() >= deadline) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The record types lookup() asks for, by name. */
export const RECORD_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16 } as const;
export type RecordType = keyof typeof RECORD_TYPES;

export interface DnsRecord {
  name: string;
  type: string;
  ttl: number;
  /** The record's data as dig prints it. */
  data: string;
}

const TYPE_NAMES = Object.fromEntries(Object.entries(RECORD_TYPES).map(([k, v]) => [v, k])) as Record<number, string>;

function recordOf(r: Record<string, unknown> & { name: string; type: number; ttl: number }): DnsRecord {
  const type = TYPE_NAMES[r.type] ?? String(r.type);
  let data: string;
  if (r.type === RECORD_TYPES.A) data = String(r.address);
  else if (r.type === RECORD_TYPES.NS) data = String(r.ns);
  else if (r.type === RECORD_TYPES.CNAME) data = String(r.domain);
  else if (r.type === RECORD_TYPES.TXT) data = (Array.isArray(r.data) ? r.data : [r.data]).map((x) => JSON.stringify(String(x))).join(' ');
  else if (r.type === RECORD_TYPES.SOA) data = [r.primary, r.admin, r.serial, r.refresh, r.retry, r.expiration, r.minimum].join(' ');
  else data = Buffer.isBuffer(r.data) ? r.data.toString('hex') : JSON.stringify(r.data ?? null);
  return { name: r.name, type, ttl: r.ttl, data };
}

/** One query of any of RECORD_TYPES over UDP, as dig would ask it: the answers and the authority section. */
export async function lookup(name: string, type: RecordType, port: number, host = '127.0.0.1', timeoutMs = 2000): Promise<{ rcode: number; rcodeName: string; answers: DnsRecord[]; authority: DnsRecord[] }> {
  const reply = parseMessage(await queryUdp(buildQuery(name, RECORD_TYPES[type]), port, host, timeoutMs));
  const rcode = (reply.header as { rcode: number }).rcode;
  const records = (list: unknown[]) => (list as (Record<string, unknown> & { name: string; type: number; ttl: number })[]).map(recordOf);
  return { rcode, rcodeName: RCODES[rcode] ?? String(rcode), answers: records(reply.answers), authority: records(reply.authorities ?? []) };
}

export interface LookupResult {
  rcode: number;
  /** NOERROR, NXDOMAIN, ... */
  rcodeName: string;
  addresses: string[];
  /** True for a NOERROR answer without addresses: how DynamoDB's empty endpoint looked. */
  nodata: boolean;
}

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

/** One A query over UDP to a given server, as a resolver would ask it. */
export async function lookupA(name: string, port: number, host = '127.0.0.1', timeoutMs = 2000): Promise<LookupResult> {
  const reply = parseMessage(await queryUdp(buildQuery(name, 1), port, host, timeoutMs));
  const rcode = (reply.header as { rcode: number }).rcode;
  const addresses = (reply.answers as { type: number; address?: string }[]).filter((a) => a.type === 1 && a.address).map((a) => a.address as string);
  return { rcode, rcodeName: RCODES[rcode] ?? String(rcode), addresses, nodata: rcode === 0 && addresses.length === 0 };
}
