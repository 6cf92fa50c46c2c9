// The UDP listener: one datagram in, at most one out. All the work is in Answerer; this file only owns
// the socket, so a bad packet can cost us a dropped reply but never the socket.
import dgram from 'node:dgram';
import { isIPv6, type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Answerer } from './wire.js';

export interface UdpListener {
  address(): AddressInfo;
  close(): Promise<void>;
}

export function listenUdp(answerer: Answerer, opts: { host: string; port: number; log: Logger }): Promise<UdpListener> {
  const socket = dgram.createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    let out: Buffer | null;
    try {
      out = answerer.answer(msg, 'udp');
    } catch (err) {
      opts.log.error({ err }, 'answering a UDP query failed');
      return;
    }
    if (out) socket.send(out, rinfo.port, rinfo.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.host, () => {
      socket.off('error', reject);
      // Send errors (e.g. ICMP unreachable reported back) must not kill the listener.
      socket.on('error', (err) => opts.log.warn({ err }, 'UDP socket error'));
      resolve({
        address: () => socket.address(),
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
