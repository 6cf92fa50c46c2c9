// The instances a droplet host runs, each a real listener on its own port:
//
//   create ──► created (its network configuration has not arrived: part of the network knows the
//                 │     instance, part does not, so a share of the connections to it fail at once)
//                 │ network configuration arrives (the launcher's network manager)
//                 ▼
//              serving (every connection reaches the customer app)
//                 │ delete
//                 ▼
//              terminated (listener closed, port free again)
//
// What NLB target health checks see when a launch outruns network propagation: checks that alternate
// fail and pass, as on 20 October. With `unconfiguredDrop` 1 an unconfigured instance refuses every
// connection (its port is not even listening).
import net from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { conflict, LabError, notFound } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import type { InstanceIdentity } from './customer-app.js';

export type InstanceState = 'created' | 'serving' | 'terminated';

export interface Instance {
  id: string;
  dropletId: string;
  port: number;
  state: InstanceState;
  createdAt: number;
  servingAt?: number;
  terminatedAt?: number;
}

export type RequestHandler = (who: InstanceIdentity, req: IncomingMessage, res: ServerResponse) => void;

export interface InstanceHostOptions {
  portMin: number;
  portMax: number;
  host: string;
  /** Terminated instances kept for GET /v1/instances. */
  keepTerminated: number;
  /** Share of connections to an instance without its network configuration that fail (0 to 1). */
  unconfiguredDrop?: number;
  /** In [0, 1); seeded in the service (lib/random.ts). */
  random?: () => number;
  now?: () => number;
}

const noPorts = (min: number, max: number) => new LabError('DROPLET_ERR_NO_PORTS', 503, `no free instance port in ${min}-${max}`);

export class InstanceHost {
  private readonly instances = new Map<string, Instance>();
  private readonly servers = new Map<string, Server>();
  private readonly usedPorts = new Set<number>();
  private readonly now: () => number;

  constructor(
    private readonly opts: InstanceHostOptions,
    private readonly handler: RequestHandler,
    private readonly events: EventLog,
  ) {
    this.now = opts.now ?? Date.now;
    if (opts.portMin < 1 || opts.portMin > opts.portMax) throw new Error(`bad instance port range ${opts.portMin}-${opts.portMax}`);
  }

  /** Reserves a port that can really be bound. Idempotent for a retried launch of the same instance. */
  async create(id: string, dropletId: string): Promise<Instance> {
    const existing = this.instances.get(id);
    if (existing) {
      if (existing.dropletId === dropletId && existing.state !== 'terminated') return existing;
      throw conflict(`instance ${id} already exists on ${existing.dropletId} (${existing.state})`);
    }
    const port = await this.freePort();
    const instance: Instance = { id, dropletId, port, state: 'created', createdAt: this.now() };
    this.instances.set(id, instance);
    this.events.emit('instance-created', { id, dropletId, port });
    // Partly reachable from the start, unless an unconfigured instance is to refuse everything.
    if ((this.opts.unconfiguredDrop ?? 1) < 1) await this.open(instance);
    return instance;
  }

  /** The network configuration arrived: every connection gets through. Idempotent. */
  async configureNetwork(id: string): Promise<Instance> {
    const instance = this.get(id);
    if (instance.state === 'terminated') throw conflict(`instance ${id} is terminated`);
    if (instance.state === 'serving') return instance;
    await this.open(instance);
    // Terminated while the listener was opening.
    if (this.instances.get(id)?.state !== 'created') return this.get(id);
    instance.state = 'serving';
    instance.servingAt = this.now();
    this.events.emit('instance-serving', { id, dropletId: instance.dropletId, port: instance.port });
    return instance;
  }

  /** Opens the instance's listener (once); while it is unconfigured a share of its connections is dropped. */
  private async open(instance: Instance): Promise<void> {
    if (this.servers.has(instance.id)) return;
    const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => this.handler(instance, req, res));
    server.on('connection', (socket) => {
      if (instance.state === 'created' && (this.opts.random ?? Math.random)() < (this.opts.unconfiguredDrop ?? 1)) socket.destroy();
    });
    this.servers.set(instance.id, server);
    try {
      await listen(server, instance.port, this.opts.host);
    } catch (err) {
      this.servers.delete(instance.id);
      throw new LabError('DROPLET_ERR_LISTEN', 503, `cannot open ${instance.id} on port ${instance.port}: ${(err as Error).message}`);
    }
    // Terminated while the listener was opening: close it again.
    if (this.instances.get(instance.id)?.state === 'terminated') {
      this.servers.delete(instance.id);
      await closeServer(server);
    }
  }

  /** Closes the listener and every open connection, frees the port. Idempotent. */
  async terminate(id: string): Promise<Instance> {
    const instance = this.get(id);
    if (instance.state === 'terminated') return instance;
    instance.state = 'terminated';
    instance.terminatedAt = this.now();
    const server = this.servers.get(id);
    this.servers.delete(id);
    if (server) await closeServer(server);
    this.usedPorts.delete(instance.port);
    this.events.emit('instance-terminated', { id, dropletId: instance.dropletId, port: instance.port });
    this.trimTerminated();
    return instance;
  }

  get(id: string): Instance {
    const instance = this.instances.get(id);
    if (!instance) throw notFound(`no instance ${id}`);
    return instance;
  }

  list(filter: { state?: InstanceState; dropletId?: string } = {}): Instance[] {
    return [...this.instances.values()].filter(
      (i) => (!filter.state || i.state === filter.state) && (!filter.dropletId || i.dropletId === filter.dropletId),
    );
  }

  counts(): Record<InstanceState, number> {
    const counts: Record<InstanceState, number> = { created: 0, serving: 0, terminated: 0 };
    for (const i of this.instances.values()) counts[i.state]++;
    return counts;
  }

  /** For readiness: a port of the range can still be bound right now. */
  async canBind(): Promise<boolean> {
    for (let port = this.opts.portMin; port <= this.opts.portMax; port++) {
      if (!this.usedPorts.has(port) && (await bindable(port, this.opts.host))) return true;
    }
    return false;
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map(closeServer));
    this.servers.clear();
  }

  private async freePort(): Promise<number> {
    for (let port = this.opts.portMin; port <= this.opts.portMax; port++) {
      if (this.usedPorts.has(port)) continue;
      // Reserve before the async probe so two concurrent launches never get the same port.
      this.usedPorts.add(port);
      if (await bindable(port, this.opts.host)) return port;
      this.usedPorts.delete(port);
    }
    throw noPorts(this.opts.portMin, this.opts.portMax);
  }

  private trimTerminated(): void {
    const terminated = [...this.instances.values()].filter((i) => i.state === 'terminated');
    for (const old of terminated.slice(0, Math.max(0, terminated.length - this.opts.keepTerminated))) this.instances.delete(old.id);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** True when nothing else holds the port (a listen that is closed again at once). */
function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
