// Helpers for the fault-proxy's tests: an echo upstream, a collection on loopback, round-trip timing,
// polling with a deadline. Not used by the service itself.
import dgram from 'node:dgram';
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { systemClock, type Clock } from '../../lib/clock.js';
import { EventLog } from '../../lib/events.js';
import { silentLogger } from '../../lib/log.js';
import { createRegistry } from '../../lib/metrics.js';
import { until } from '../../test/support/until.js';
import { buildApp } from './api.js';
import { ProxyCollection } from './collection.js';

export async function echoServer(): Promise<{ port: number; bytesReceived: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let received = 0;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.setNoDelay(true);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.on('data', (d: Buffer) => (received += d.length));
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    bytesReceived: () => received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function newCollection(opts: { seed?: number; clock?: Clock; connectTimeoutMs?: number; udpIdleMs?: number } = {}) {
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
    udpIdleMs: opts.udpIdleMs ?? 60_000,
  });
  return { collection, events, registry };
}

/**
 * The fault proxy's API over a new collection, torn down after the test (app closed, proxies removed).
 * `call` sends one request in-process and parses the JSON answer; `listen` puts the API on loopback for
 * a real client and returns its base URL.
 */
export function apiUnderTest(t: { after: (fn: () => Promise<void>) => void }) {
  const { collection, events, registry } = newCollection();
  const app = buildApp({ collection, events, registry, log: silentLogger(), adminToken: 'secret' });
  t.after(async () => {
    await app.close();
    await collection.clear();
  });
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({ method, url, payload: payload as never, headers });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field by the tests
    return { status: res.statusCode, body: res.body === '' ? undefined : (JSON.parse(res.body) as any), headers: res.headers };
  };
  const listen = async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  };
  return { app, collection, events, registry, call, listen };
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
  await until('the peer to close the connection', () => socket.readableEnded || socket.destroyed, timeoutMs, 10);
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

/** A DNS-like UDP server: answers every datagram with the same bytes, and remembers what it got. */
export async function udpEchoServer(): Promise<{ port: number; received: Buffer[]; close: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data, from) => {
    received.push(data);
    socket.send(data, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

/** A UDP client bound to loopback that keeps every datagram it receives. */
export async function udpClient(): Promise<{ socket: dgram.Socket; received: Buffer[]; send: (data: string | Buffer, port: number) => void; close: () => void }> {
  const socket = dgram.createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (data) => received.push(data));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, received, send: (data, port) => socket.send(data, port, '127.0.0.1'), close: () => socket.close() };
}

/** The part of toxiproxy-node-client (a dev dependency) the tests use. */
export interface ToxicHandle {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: Record<string, number>;
  remove(): Promise<void>;
  update(body: unknown): Promise<ToxicHandle>;
}
export interface ProxyHandle {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  addToxic(body: unknown): Promise<ToxicHandle>;
  getToxic(name: string): Promise<ToxicHandle>;
  update(body: unknown): Promise<ProxyHandle>;
  remove(): Promise<void>;
}
export interface ToxiproxyClient {
  createProxy(body: unknown): Promise<ProxyHandle>;
  get(name: string): Promise<ProxyHandle>;
  getAll(): Promise<Record<string, ProxyHandle>>;
  populate(body: unknown): Promise<Record<string, ProxyHandle>>;
  getVersion(): Promise<string>;
  reset(): Promise<void>;
}

/** toxiproxy-node-client's Toxiproxy class. A missing client fails the tests; it never skips them. */
export async function toxiproxyClientClass(): Promise<new (url: string) => ToxiproxyClient> {
  const mod = (await import('toxiproxy-node-client')) as unknown as { Toxiproxy: new (url: string) => ToxiproxyClient };
  return mod.Toxiproxy;
}

/** Collects what a socket receives until it ends, closes or errors. */
export function collect(socket: net.Socket): { chunks: Buffer[]; bytes: () => Buffer; ended: Promise<{ error?: NodeJS.ErrnoException; at: number }> } {
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<{ error?: NodeJS.ErrnoException; at: number }>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error, at: performance.now() }));
    socket.once('end', () => resolve({ at: performance.now() }));
    socket.once('close', () => resolve({ at: performance.now() }));
  });
  return { chunks, bytes: () => Buffer.concat(chunks), ended };
}

/** Rejects when the promise has not settled within ms (a deadline, not a sleep). */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
