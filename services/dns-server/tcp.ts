// The TCP listener: RFC 1035 2-byte length framing, several queries per connection, frames split or
// joined across chunks, an idle timeout and a cap on connections. A frame we cannot answer closes only
// its own connection.
import net, { type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { RCODE } from './resolve.js';
import type { Answerer } from './wire.js';

export interface TcpListener {
  address(): AddressInfo;
  connections(): number;
  close(): Promise<void>;
}

export interface TcpOptions {
  host: string;
  port: number;
  idleMs: number;
  maxConnections: number;
  log: Logger;
}

const EMPTY: Buffer = Buffer.alloc(0);

export function listenTcp(answerer: Answerer, opts: TcpOptions): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleMs, () => socket.destroy());
    let pending: Buffer = EMPTY;
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const frame = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        if (!respond(answerer, socket, frame, opts.log)) return;
      }
    });
  });
  server.maxConnections = opts.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      server.on('error', (err) => opts.log.warn({ err }, 'TCP server error'));
      resolve({
        address: () => server.address() as AddressInfo,
        connections: () => sockets.size,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

/** Answers one frame; false when the connection was closed because of it. */
function respond(answerer: Answerer, socket: net.Socket, frame: Buffer, log: Logger): boolean {
  let out: Buffer | null;
  try {
    out = answerer.answer(frame, 'tcp');
  } catch (err) {
    log.error({ err }, 'answering a TCP query failed');
    out = null;
  }
  if (!out) {
    socket.destroy();
    return false;
  }
  const framed = Buffer.allocUnsafe(out.length + 2);
  framed.writeUInt16BE(out.length, 0);
  out.copy(framed, 2);
  if ((out[3]! & 0x0f) === RCODE.FORMERR && out.length === 12) {
    // The stream may be out of step with its framing; say why, then hang up.
    socket.end(framed);
    return false;
  }
  if (!socket.write(framed)) {
    socket.pause();
    socket.once('drain', () => socket.resume());
  }
  return true;
}
