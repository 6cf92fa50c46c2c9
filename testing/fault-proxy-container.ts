// FaultProxyContainer: the lab's fault proxy (chaos/proxy) in a container of its own, for another
// project's tests, as @testcontainers/toxiproxy's ToxiProxyContainer runs Toxiproxy. The same API on
// 8474, so toxiproxy-node-client drives it; beyond Toxiproxy, UDP links and fault leases.
//
//   your test ──► host:mapped port ──► fault proxy :8666..8681 (tcp and udp) ──► upstream (a network alias)
//       └──────► host:mapped 8474: proxies and toxics (Toxiproxy's API), leases (PUT /lab/leases/HOLDER)
//
// Every proxy port is published up front, tcp and udp: a container's ports cannot be added once it runs,
// and testcontainers' port wait strategies skip UDP, so the container is ready when the API answers.
import { AbstractStartedContainer, GenericContainer, ImageName, log, Wait, type StartedTestContainer } from 'testcontainers';
import { Toxiproxy, type Proxy, type Toxic, type ToxicType } from 'toxiproxy-node-client';
import { systemClock } from '../lib/clock.js';
import { parseHostPort } from '../lib/host-port.js';
import { FAULT_LEASE_TTL_MS, holdLease, LabClient } from '../chaos/lab-client.js';
import type { ProxyJson } from '../chaos/proxy/state.js';
import { labImage, LAB_REPOSITORY } from './image.js';

export const API_PORT = 8474;
/** The container ports proxies listen on: 16, each published for tcp and for udp (ToxiProxyContainer publishes 32 tcp). */
export const PROXY_PORTS: readonly number[] = Array.from({ length: 16 }, (_, i) => 8666 + i);

export type Protocol = 'tcp' | 'udp';

export interface CreateProxyOptions {
  name: string;
  /** host:port as the container sees it: a network alias on a shared network, say `redis:6379`. */
  upstream: string;
  /** One of PROXY_PORTS (or "0.0.0.0:PORT"); default the first one no proxy of this protocol uses. */
  listen?: number | string;
  /** Default tcp. */
  protocol?: Protocol;
  enabled?: boolean;
}

/** A toxic by the lab's names: Toxiproxy's TCP toxics, and `latency`, `drop`, `duplicate` on UDP proxies. */
export interface ToxicOptions {
  name?: string;
  type: ToxicType | 'drop' | 'duplicate';
  /** Default downstream. */
  stream?: 'upstream' | 'downstream';
  /** Default 1. */
  toxicity?: number;
  attributes?: Record<string, unknown>;
}

export interface CreatedProxy {
  /** Where your test connects (or sends datagrams): the container's host and the mapped port. */
  host: string;
  port: number;
  protocol: Protocol;
  /** toxiproxy-node-client's Proxy: addToxic, update, remove, as with Toxiproxy. */
  instance: Proxy;
  setEnabled(enabled: boolean): Promise<Proxy>;
  /** Adds a toxic of any of the lab's types (the Toxiproxy client only types Toxiproxy's own). */
  addToxic(toxic: ToxicOptions): Promise<Toxic<unknown>>;
}

export interface LeaseOptions {
  /** How long the lease lives without renewal; default 6 s. */
  ttlMs?: number;
  /** Renew in the background until release() (the default); false: the lease, and its toxics, end after ttlMs. */
  renew?: boolean;
}

/** A fault lease: toxics added through it are removed when it is released, or when nobody renews it. */
export interface FaultLease {
  readonly holder: string;
  addToxic(proxy: CreatedProxy, toxic: ToxicOptions): Promise<Toxic<unknown>>;
  release(): Promise<void>;
}

/** The container port a new proxy listens on: `listen` if given, else the first of PROXY_PORTS free for its protocol. */
export function proxyPort(listen: number | string | undefined, protocol: Protocol, proxies: Pick<ProxyJson, 'listen' | 'protocol'>[]): number {
  const portOf = (address: string) => {
    const parsed = parseHostPort(address);
    if (typeof parsed === 'string') throw new Error(`listen: ${parsed}`);
    return parsed.port;
  };
  const taken = new Set(proxies.filter((p) => p.protocol === protocol).map((p) => portOf(p.listen)));
  if (listen !== undefined) {
    const port = typeof listen === 'number' ? listen : portOf(listen);
    if (!PROXY_PORTS.includes(port)) throw new Error(`listen: ${port} is not published; use one of ${PROXY_PORTS[0]}..${PROXY_PORTS.at(-1)}`);
    if (taken.has(port)) throw new Error(`listen: a ${protocol} proxy already listens on ${port}`);
    return port;
  }
  const free = PROXY_PORTS.find((p) => !taken.has(p));
  if (free === undefined) throw new Error(`every one of the ${PROXY_PORTS.length} published ${protocol} ports has a proxy`);
  return free;
}

export class FaultProxyContainer extends GenericContainer {
  private readonly buildsImage: boolean;

  /** `image`: one with the lab's build (its dist/chaos/proxy); left out, the package's own Dockerfile is built (see labImage). */
  constructor(image?: string) {
    super(image ?? `${LAB_REPOSITORY}:testing`);
    this.buildsImage = image === undefined;
    this.withCommand(['node', 'dist/chaos/proxy/main.js'])
      // The token guards the lab's own state-changing routes; Toxiproxy's routes and the leases need none.
      .withEnvironment({ API_PORT: String(API_PORT), LAB_ADMIN_TOKEN: 'cascade-lab-admin' })
      .withExposedPorts(API_PORT, ...PROXY_PORTS.flatMap((p) => [`${p}/tcp` as const, `${p}/udp` as const]))
      .withWaitStrategy(Wait.forHttp('/version', API_PORT))
      .withStartupTimeout(30_000);
  }

  /** Seeds every random choice of the toxics (toxicity, jitter, drops), so a run repeats. */
  withSeed(seed: number): this {
    return this.withEnvironment({ FAULT_SEED: String(seed) });
  }

  override async start(): Promise<StartedFaultProxyContainer> {
    if (this.buildsImage) {
      const image = await labImage();
      this.imageName = ImageName.fromString(image);
      this.createOpts.Image = image;
    }
    return new StartedFaultProxyContainer(await super.start());
  }
}

export class StartedFaultProxyContainer extends AbstractStartedContainer {
  /** toxiproxy-node-client, pointed at the API. */
  readonly client: Toxiproxy;
  /** The API's URL on the host, for any other Toxiproxy client. */
  readonly apiUrl: string;
  /** createProxy picks a port from what exists: one at a time. */
  private creating: Promise<unknown> = Promise.resolve();

  constructor(started: StartedTestContainer) {
    super(started);
    this.apiUrl = `http://${this.getHost()}:${this.getMappedPort(API_PORT)}`;
    this.client = new Toxiproxy(this.apiUrl);
  }

  /** A LabClient of the API alone (nothing here asks a controller), one per use: a lease's holder is kept per client. */
  private api(): LabClient {
    return new LabClient({ controller: this.apiUrl, faultProxy: this.apiUrl, dnsHost: this.getHost(), dnsPort: 0, token: '' });
  }

  createProxy(opts: CreateProxyOptions): Promise<CreatedProxy> {
    const created = this.creating.then(() => this.create(opts));
    this.creating = created.catch(() => undefined);
    return created;
  }

  private async create(opts: CreateProxyOptions): Promise<CreatedProxy> {
    const protocol = opts.protocol ?? 'tcp';
    const port = proxyPort(opts.listen, protocol, Object.values(await this.api().proxies()));
    const listen = `0.0.0.0:${port}`;
    // toxiproxy-node-client sends the body as it is; `protocol` is the fault proxy's addition.
    const body = { name: opts.name, upstream: opts.upstream, listen, enabled: opts.enabled ?? true, protocol };
    const instance = await this.client.createProxy(body);
    return {
      host: this.getHost(),
      port: this.getMappedPort(port, protocol),
      protocol,
      instance,
      setEnabled: (enabled) => instance.update({ enabled, listen, upstream: opts.upstream }),
      addToxic: (toxic) => addToxic(this.api(), instance, toxic),
    };
  }

  /**
   * Takes a fault lease for `holder`: toxics added through it go when release() is called, and, if the
   * test process dies, when the lease runs out (ttlMs after the last renewal).
   */
  async holdLease(holder: string, opts: LeaseOptions = {}): Promise<FaultLease> {
    const api = this.api();
    const ttlMs = opts.ttlMs ?? FAULT_LEASE_TTL_MS;
    let release: () => Promise<void>;
    if (opts.renew === false) {
      await api.renewLease(holder, ttlMs);
      release = () => api.releaseLease(holder);
    } else {
      const onRenewError = (err: Error) => log.warn(`fault lease ${holder}: renewal failed: ${err.message}`);
      ({ release } = await holdLease(api, holder, systemClock, onRenewError, ttlMs));
    }
    return { holder, addToxic: (proxy, toxic) => addToxic(api, proxy.instance, toxic), release };
  }
}

/** Adds a toxic through `api` (under its lease, if it holds one); answers the Toxiproxy client's handle to it. */
async function addToxic(api: LabClient, proxy: Proxy, toxic: ToxicOptions): Promise<Toxic<unknown>> {
  const { name } = await api.addToxic(proxy.name, {
    ...(toxic.name ? { name: toxic.name } : {}),
    type: toxic.type,
    stream: toxic.stream ?? 'downstream',
    toxicity: toxic.toxicity ?? 1,
    attributes: toxic.attributes ?? {},
  });
  return proxy.getToxic(name);
}
