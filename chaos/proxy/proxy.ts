// One proxy: a TCP listener whose every client connection gets its own connection to the upstream and
// two links between them, one per direction, through the proxy's toxics. Disabling or closing the
// proxy closes its listener and every connection. BaseProxy holds what UDP proxies (udp-proxy.ts) share.
import type { ProxyState } from './state.js';
import net from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import { formatHostPort, parseHostPort, type HostPort } from '../../lib/host-port.js';
import { listenFailed } from './errors.js';
import type { Link } from './link.js';
import type { ProxyMetrics } from './metrics.js';
import { ToxicCollection, type ToxicEvent } from './toxic-collection.js';
import type { CloseHow, Protocol, Toxic, ToxicWrapper } from './toxic.js';

export interface ProxyDeps {
  log: Logger;
  clock: Clock;
  metrics: ProxyMetrics;
  /** This proxy's seeded stream: one fork per connection, in the order connections are accepted. */
  random: Random;
  connectTimeoutMs: number;
  linkBufferBytes: number;
  /** UDP: a client address silent for this long loses its upstream socket. */
  udpIdleMs: number;
  onToxicChange?: (event: ToxicEvent, toxic: ToxicWrapper<{ readonly attributes: Record<string, unknown> }>) => void;
}

export interface ProxySpec {
  name: string;
  listen: string;
  upstream: string;
  /** "tcp" when left out, so Toxiproxy clients (which never send it) get TCP proxies. */
  protocol?: Protocol;
}

/**
 * What TCP and UDP proxies share: name, addresses, enabled, toxics, the API's update rules and JSON.
 * Subclasses bind and unbind the listener and say what a "connection" is.
 */
export abstract class BaseProxy<T extends { readonly attributes: Record<string, unknown> } = Toxic, C extends ProxyState['connections'][number] = ProxyState['connections'][number]> {
  readonly name: string;
  abstract readonly protocol: Protocol;
  /** As configured until the listener is bound, then the bound address (port 0 becomes the real port). */
  listen: string;
  upstream: string;
  enabled = false;
  readonly toxics: ToxicCollection<T>;
  /** Bytes written per direction (read by the metrics at scrape time). */
  readonly bytes = { upstream: 0, downstream: 0 };
  protected readonly log: Logger;

  constructor(
    spec: ProxySpec,
    protected readonly deps: ProxyDeps,
    protocol: Protocol,
  ) {
    this.name = spec.name;
    this.listen = spec.listen;
    this.upstream = spec.upstream;
    this.log = deps.log.child({ proxy: spec.name });
    this.toxics = new ToxicCollection<T>((event, toxic) => deps.onToxicChange?.(event, toxic), protocol);
  }

  abstract get listening(): boolean;
  /** Open TCP connections, or UDP client addresses with a live upstream socket. */
  abstract get connectionCount(): number;
  /** Binds the listener; resolves with the bound address. */
  protected abstract bind(address: HostPort): Promise<{ address: string; port: number }>;
  /** Closes the listener and every connection. */
  protected abstract unbind(): Promise<void>;
  protected abstract connectionsState(): C[];

  /** Binds the listener; a proxy already enabled is left alone. */
  async start(): Promise<void> {
    if (this.enabled) return;
    const address = parseHostPort(this.listen);
    if (typeof address === 'string') throw listenFailed(this.listen, address);
    const bound = await this.bind(address).catch((err: NodeJS.ErrnoException) => {
      throw listenFailed(this.listen, err.code ?? err.message);
    });
    this.listen = formatHostPort(bound.address, bound.port);
    this.enabled = true;
    this.log.info({ listen: this.listen, upstream: this.upstream, protocol: this.protocol }, 'proxy started');
  }

  /** Closes the listener and every open connection. */
  async stop(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    await this.unbind();
    this.log.info('proxy stopped');
  }

  /** Toxiproxy's update: a new listen or upstream restarts the proxy (dropping connections). */
  async update(change: { listen?: string; upstream?: string; enabled?: boolean }): Promise<void> {
    const listen = change.listen ?? this.listen;
    const upstream = change.upstream ?? this.upstream;
    const enabled = change.enabled ?? this.enabled;
    if (this.differs({ listen, upstream })) {
      await this.stop();
      this.listen = listen;
      this.upstream = upstream;
    }
    if (enabled) await this.start();
    else await this.stop();
  }

  /** Whether listen/upstream/protocol name something else than the proxy has now (port 0 always differs). */
  differs(spec: { listen: string; upstream: string; protocol?: Protocol }): boolean {
    if (spec.upstream !== this.upstream || (spec.protocol ?? 'tcp') !== this.protocol) return true;
    const a = parseHostPort(spec.listen);
    const b = parseHostPort(this.listen);
    if (typeof a === 'string' || typeof b === 'string') return spec.listen !== this.listen;
    return a.port === 0 || a.port !== b.port || normalHost(a) !== normalHost(b);
  }

  /** Toxiproxy's JSON shape, plus `protocol`. */
  toJSON() {
    return { name: this.name, listen: this.listen, upstream: this.upstream, protocol: this.protocol, enabled: this.enabled, toxics: this.toxics.list() };
  }

  /** For /lab/state (chaos/proxy/state.ts): which toxics apply to which open connection. */
  state(): Omit<ProxyState, 'connections'> & { connections: C[] } {
    return { ...this.toJSON(), toxics: this.toxics.list().map((t) => t.toJSON()), listening: this.listening, connections: this.connectionsState() };
  }
}

/**
 * Client <-> Proxy <-> Upstream: per client connection,
 *
 *   client ──► upstream link (toxics with stream "upstream") ──► upstream
 *   client ◄── downstream link (toxics with stream "downstream") ◄── upstream
 */
export class Proxy extends BaseProxy<Toxic, ReturnType<Connection['state']>> {
  readonly protocol = 'tcp';
  private server: net.Server | null = null;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;

  constructor(spec: ProxySpec, deps: ProxyDeps) {
    super(spec, deps, 'tcp');
  }

  get listening(): boolean {
    return this.enabled && (this.server?.listening ?? false);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  protected async bind(address: HostPort) {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address.host || '0.0.0.0', port: address.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.warn({ err: err.message }, 'listener error'));
    this.server = server;
    return server.address() as net.AddressInfo;
  }

  protected async unbind(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const conn of this.connections) conn.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected connectionsState() {
    return [...this.connections].map((c) => c.state());
  }

  private accept(client: net.Socket): void {
    if (!this.enabled) {
      client.destroy();
      return;
    }
    const target = parseHostPort(this.upstream) as HostPort;
    const conn = new Connection(this.nextConnectionId++, client, this.deps.random.fork(), this, this.deps, () => this.connections.delete(conn));
    this.connections.add(conn);
    this.deps.metrics.connections.inc({ proxy: this.name });
    void conn.open(target);
  }
}

function normalHost({ host }: HostPort): string {
  return host === '' || host === '::' || host === '0.0.0.0' ? '*' : host === 'localhost' ? '127.0.0.1' : host;
}

/** One client connection and its upstream connection. */
class Connection {
  private upstream: net.Socket | null = null;
  private up: Link | null = null;
  private down: Link | null = null;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly peer: string;

  constructor(
    readonly id: number,
    private readonly client: net.Socket,
    private readonly random: Random,
    private readonly proxy: Proxy,
    private readonly deps: ProxyDeps,
    private readonly onClosed: () => void,
  ) {
    this.peer = formatHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0);
    client.setNoDelay(true);
    client.on('error', () => this.destroy());
    client.on('close', (hadError) => this.socketClosed('client', hadError));
  }

  /** Upstream host names are resolved here, at every connect, so a moved container is found again. */
  async open(target: HostPort): Promise<void> {
    const upstream = net.connect({ host: target.host || '127.0.0.1', port: target.port, allowHalfOpen: true, noDelay: true });
    this.upstream = upstream;
    upstream.on('error', (err) => {
      if (!this.up) this.connectFailed(err.message);
      this.destroy();
    });
    upstream.on('close', (hadError) => this.socketClosed('upstream', hadError));
    const connected = new Promise<boolean>((resolve) => {
      upstream.once('connect', () => resolve(true));
      upstream.once('close', () => resolve(false));
    });
    const timedOut = this.deps.clock.sleep(this.deps.connectTimeoutMs, this.abort.signal).then(
      () => false,
      () => false,
    );
    const ok = await Promise.race([connected, timedOut]);
    if (!ok || this.closed) {
      if (!this.closed) this.connectFailed(`no connection within ${this.deps.connectTimeoutMs} ms`);
      this.destroy();
      return;
    }
    this.abort.abort();
    const onClose = (how: CloseHow) => (how === 'reset' ? this.reset() : this.destroy());
    const common = { clock: this.deps.clock, highWaterMark: this.deps.linkBufferBytes, onClose };
    // Plain additions on the hot path; the metrics read the totals at scrape time.
    const totals = this.proxy.bytes;
    const bytes = (direction: 'upstream' | 'downstream') => (n: number) => (totals[direction] += n);
    // Forked in a fixed order so a connection's draws depend only on the seed and its place in line.
    const upRandom = this.random.fork();
    const downRandom = this.random.fork();
    this.up = this.proxy.toxics.startLink({ ...common, stream: 'upstream', source: this.client, dest: upstream, random: upRandom, onBytes: bytes('upstream') });
    this.down = this.proxy.toxics.startLink({ ...common, stream: 'downstream', source: upstream, dest: this.client, random: downRandom, onBytes: bytes('downstream') });
  }

  /** reset_peer: both sides get a TCP RST (SO_LINGER 0), whatever they have not read yet is lost. */
  reset(): void {
    if (this.closed) return;
    for (const socket of [this.client, this.upstream]) {
      if (socket && !socket.destroyed) socket.resetAndDestroy();
    }
    this.destroy();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.up?.close();
    this.down?.close();
    this.client.destroy();
    this.upstream?.destroy();
    this.onClosed();
  }

  state() {
    return {
      id: this.id,
      client: this.peer,
      linked: this.up !== null,
      toxics: { upstream: this.up?.activeToxics() ?? [], downstream: this.down?.activeToxics() ?? [] },
    };
  }

  private connectFailed(reason: string): void {
    this.deps.metrics.upstreamFailures.inc({ proxy: this.proxy.name });
    this.deps.log.warn({ proxy: this.proxy.name, upstream: this.proxy.upstream, reason }, 'upstream unreachable; closing client');
  }

  /**
   * One side closed. Nothing more can be written to it, so its inbound link stops; the link toward the
   * other side may still hold delayed bytes, so the other side is closed once those are written.
   */
  private socketClosed(side: 'client' | 'upstream', hadError: boolean): void {
    if (this.closed) return;
    const toward = side === 'client' ? this.down : this.up;
    const from = side === 'client' ? this.up : this.down;
    if (hadError || !from) return this.destroy();
    toward?.close();
    void from.done.then(() => this.destroy());
  }
}
