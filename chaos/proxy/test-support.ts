// Helpers for the fault-proxy's tests: an echo upstream, a collection on loopback, round-trip timing,
// polling with a deadline. Not used by the service itself.
import net from 'node:net';
import { once } from 'node:events';
import { systemClock, type Clock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { ProxyCollection } from './collection.js';

export async function echoServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function newCollection(opts: { seed?: number; clock?: Clock; connectTimeoutMs?: number } = {}) {
  const events = new EventLog();
  const registry = createRegistry('fault-proxy-test', false);
  const collection = new ProxyCollection({
    log: silentLogger(),
    clock: opts.clock ?? systemClock,
    events,
    registry,
    seed: opts.seed ?? 42,
    connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
    linkBufferBytes: 256 * 1024,
  });
  return { collection, events, registry };
}

export function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1));
}

export async function connect(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true, allowHalfOpen: true });
  await once(socket, 'connect');
  return socket;
}

/** Resolves when the other side closes the connection (FIN or RST), reading and dropping what arrives. */
export async function closedByPeer(socket: net.Socket, timeoutMs = 5000): Promise<void> {
  socket.on('error', () => undefined);
  socket.resume();
  await waitFor('the peer to close the connection', () => socket.readableEnded || socket.destroyed, timeoutMs);
}

/** Reads exactly n bytes, or rejects when the socket ends first or the deadline passes. */
export function readBytes(socket: net.Socket, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => finish(new Error(`got ${got} of ${n} bytes within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= n) finish();
    };
    const onEnd = () => finish(new Error(`socket ended after ${got} of ${n} bytes`));
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve(Buffer.concat(parts));
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
  });
}

/** One small request and its echo, in ms. */
export async function roundTrip(socket: net.Socket): Promise<number> {
  const start = performance.now();
  const reply = readBytes(socket, 4);
  socket.write('ping');
  await reply;
  return performance.now() - start;
}

export async function medianRoundTrip(socket: net.Socket, samples = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(await roundTrip(socket));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
