// A UDP proxy (beyond Toxiproxy, so DNS traffic itself can be faulted): datagrams from each client
// address go out through their own upstream socket, and the upstream's replies on that socket come back
// to that client. Each datagram passes the proxy's UDP toxics on its own (latency, drop, duplicate);
// toxicity and every other draw come from the session's seeded streams, in arrival order.
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import type { Random } from '../../lib/random.js';
import { formatHostPort, parseHostPort, type HostPort } from '../../lib/host-port.js';
import { BaseProxy, type ProxyDeps, type ProxySpec } from './proxy.js';
import type { Datagram, DatagramToxic, Stream } from './toxic.js';

/** Datagrams held per session while its upstream socket is being set up (name lookup, bind). */
const MAX_PENDING = 64;

/**
 *   client A:port ─┐                  ┌─ socket for A:port ─► upstream
 *                  ├─► listen socket ─┤
 *   client B:port ─┘   (toxics per    └─ socket for B:port ─► upstream
 *                       datagram)         replies ─► back to their own client
 */
export class UdpProxy extends BaseProxy<DatagramToxic, { id: number; client: string; linked: boolean }> {
  readonly protocol = 'udp';
  private socket: dgram.Socket | null = null;
  private readonly sessions = new Map<string, Session>();
  private nextSessionId = 1;
  /** Datagrams in each direction: passed to a toxic chain, and delivered (after drops and duplicates). */
  readonly counts = { upstream: { received: 0, delivered: 0 }, downstream: { received: 0, delivered: 0 } };

  constructor(spec: ProxySpec, deps: ProxyDeps) {
    super(spec, deps, 'udp');
  }

  get listening(): boolean {
    return this.enabled && this.socket !== null;
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  protected async bind(address: HostPort) {
    const host = address.host || '0.0.0.0';
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: host, port: address.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    socket.on('error', (err) => this.log.warn({ err: err.message }, 'listener error'));
    socket.on('message', (data, from) => this.receive(data, from));
    this.socket = socket;
    return socket.address();
  }

  protected async unbind(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    for (const session of this.sessions.values()) session.close();
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  protected connectionsState() {
    return [...this.sessions.values()].map((s) => ({ id: s.id, client: s.client, linked: s.linked }));
  }

  /**
   * Runs a datagram through the toxics of one stream, from position i: each toxic applies per its
   * toxicity (drawn per datagram) and passes on 0..n datagrams; the last one delivers.
   */
  pass(stream: Stream, datagram: Datagram, session: Session, deliver: (data: Buffer) => void): void {
    const counts = this.counts[stream];
    counts.received++;
    // The chain as it is now: a toxic added or removed meanwhile acts on later datagrams.
    const chain = [...this.toxics.chain(stream)];
    const random = session.random[stream];
    const step = (i: number, d: Datagram): void => {
      if (session.closed) return;
      const wrapper = chain[i];
      if (!wrapper) {
        counts.delivered++;
        this.bytes[stream] += d.data.length;
        return deliver(d.data);
      }
      if (!wrapper.decide(random)) return step(i + 1, d);
      const ctx = { clock: this.deps.clock, random, signal: session.signal, emit: (next: Datagram) => step(i + 1, next) };
      const handled = wrapper.toxic.handle(d, ctx);
      if (handled) handled.catch(() => undefined); // aborted: the session closed while it waited
    };
    step(0, datagram);
  }

  /** @internal */
  sendToClient(data: Buffer, client: AddressInfo): void {
    this.socket?.send(data, client.port, client.address);
  }

  /** @internal */
  forget(session: Session): void {
    if (this.sessions.get(session.key) === session) this.sessions.delete(session.key);
  }

  private receive(data: Buffer, from: dgram.RemoteInfo): void {
    if (!this.enabled) return;
    const key = formatHostPort(from.address, from.port);
    let session = this.sessions.get(key);
    if (!session) {
      session = new Session(this.nextSessionId++, key, { address: from.address, port: from.port, family: from.family }, this, this.deps);
      this.sessions.set(key, session);
      this.deps.metrics.connections.inc({ proxy: this.name });
      void session.open(parseHostPort(this.upstream) as HostPort);
    }
    session.fromClient(data);
  }
}

/** One client address and port, and the upstream socket that carries its datagrams. */
class Session {
  private upstream: dgram.Socket | null = null;
  private pending: Buffer[] | null = [];
  private lastActive: number;
  private readonly abort = new AbortController();
  /** Forked in a fixed order (upstream, then downstream) from the proxy's stream, one session after another. */
  readonly random: Record<Stream, Random>;
  closed = false;

  constructor(
    readonly id: number,
    readonly key: string,
    private readonly from: AddressInfo,
    private readonly proxy: UdpProxy,
    private readonly deps: ProxyDeps,
  ) {
    const own = deps.random.fork();
    this.random = { upstream: own.fork(), downstream: own.fork() };
    this.lastActive = deps.clock.now();
  }

  get client(): string {
    return this.key;
  }

  get linked(): boolean {
    return this.upstream !== null && this.pending === null;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Upstream host names are resolved per session, so a moved container is found by the next client. */
  async open(target: HostPort): Promise<void> {
    try {
      const host = target.host || '127.0.0.1';
      const { address, family } = await lookup(host);
      if (this.closed) return;
      const socket = dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' });
      this.upstream = socket;
      socket.on('error', (err) => {
        // An ICMP port unreachable shows up here (ECONNREFUSED): UDP has no connection to lose, keep going.
        this.deps.log.debug({ proxy: this.proxy.name, client: this.key, err: err.message }, 'upstream socket error');
      });
      socket.on('message', (data) => this.fromUpstream(data));
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(target.port, address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.deps.metrics.upstreamFailures.inc({ proxy: this.proxy.name });
      this.deps.log.warn({ proxy: this.proxy.name, upstream: this.proxy.upstream, reason: (err as Error).message }, 'upstream unreachable; dropping datagrams');
      return this.close();
    }
    if (this.closed) return;
    const held = this.pending ?? [];
    this.pending = null;
    for (const data of held) this.sendUpstream(data);
    void this.expire();
  }

  fromClient(data: Buffer): void {
    this.lastActive = this.deps.clock.now();
    this.proxy.pass('upstream', { data, timestamp: this.lastActive }, this, (d) => this.sendUpstream(d));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort(new Error('session closed'));
    this.upstream?.close();
    this.proxy.forget(this);
  }

  private fromUpstream(data: Buffer): void {
    this.lastActive = this.deps.clock.now();
    this.proxy.pass('downstream', { data, timestamp: this.lastActive }, this, (d) => this.proxy.sendToClient(d, this.from));
  }

  private sendUpstream(data: Buffer): void {
    if (this.closed) return;
    if (this.pending) {
      if (this.pending.length < MAX_PENDING) this.pending.push(data);
      return;
    }
    this.upstream?.send(data);
  }

  /** Closes the session once no datagram went either way for udpIdleMs; one timer, not one per datagram. */
  private async expire(): Promise<void> {
    const idle = this.deps.udpIdleMs;
    try {
      for (;;) {
        const left = this.lastActive + idle - this.deps.clock.now();
        if (left <= 0) break;
        await this.deps.clock.sleep(left, this.abort.signal);
      }
    } catch {
      return; // closed meanwhile
    }
    this.close();
  }
}
