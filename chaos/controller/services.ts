// The lab's services as the controller sees them: the topology (from the compose labels, see
// chaos/topology.ts) kept fresh, each service's /healthz, /readyz and /lab/state, and the operator hooks
// it forwards with the lab token.
import { request } from 'undici';
import { z } from 'zod';
import { ROLE_KIND, ROLES, Topology, resolveRoles, type LabService } from '../topology.js';
import type { ServiceStatus } from './contract.js';

export type { ServiceStatus };

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.body.json().catch(() => null);
  return { status: res.statusCode, body };
}

const nodeAnswer = z.object({ checker: z.boolean() });

/** How often the list of services and the roles are read again (sooner while a role is unknown). */
const REFRESH_MS = 10_000;
const REFRESH_UNRESOLVED_MS = 1_000;

export class ServiceDirectory {
  private current: Topology;
  private refreshedAt = -Infinity;
  private refreshing: Promise<Topology> | null = null;

  /**
   * @param discover the lab's services (its compose labels, through the Docker API or the compose file);
   *   a fixed list for tests
   */
  constructor(
    private readonly discover: LabService[] | (() => Promise<LabService[]>),
    private readonly token: string,
    private readonly timeoutMs = 3000,
    private readonly now: () => number = Date.now,
  ) {
    this.current = new Topology(Array.isArray(discover) ? discover : []);
  }

  /** The services as last read (without waiting for a refresh). */
  get services(): LabService[] {
    return this.current.services;
  }

  find(name: string): LabService | undefined {
    return this.current.find(name);
  }

  /**
   * The topology. One that is old is read again, one refresh at a time, and callers get the one last read
   * meanwhile: a refresh asks Docker and the NLB nodes, which a busy machine can keep for seconds, and a
   * live frame that waited past its budget would carry no service (the map would show every one unknown).
   * Only an incomplete topology waits for its refresh: before the first read, and while a role is
   * unknown whose kind is present (the NLB nodes' checker: the runbook and the probes need it). A failed
   * read keeps the last one.
   */
  async topology(): Promise<Topology> {
    const age = this.now() - this.refreshedAt;
    const unresolved = ROLES.some((role) => this.current.ofKind(ROLE_KIND[role]).length > 0 && !this.current.roles[role]);
    const stale = age >= REFRESH_MS || (age >= REFRESH_UNRESOLVED_MS && unresolved);
    if (stale) this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
    const incomplete = this.refreshedAt === -Infinity || unresolved;
    return incomplete ? (this.refreshing ?? this.current) : this.current;
  }

  private async refresh(): Promise<Topology> {
    try {
      const services = Array.isArray(this.discover) ? this.discover : await this.discover();
      const roles = await resolveRoles(
        services,
        async (s) => {
          const res = await getJson(`${s.url}/v1/node`, this.timeoutMs);
          return res.status === 200 ? nodeAnswer.parse(res.body).checker : null;
        },
        this.current.roles,
      );
      this.current = new Topology(services, roles);
      this.refreshedAt = this.now();
    } catch {
      // Docker busy or gone: the services known so far stay.
    }
    return this.current;
  }

  /** Its /readyz: alive when it answers at all, ready when it answers 200; `timeoutMs` bounds a frozen one. */
  async status(service: LabService, timeoutMs = this.timeoutMs): Promise<ServiceStatus> {
    try {
      const ready = await getJson(`${service.url}/readyz`, timeoutMs);
      const body = ready.body as { checks?: unknown } | null;
      return { name: service.name, alive: true, ready: ready.status === 200, checks: body?.checks };
    } catch (err) {
      return { name: service.name, alive: false, ready: false, error: (err as Error).message };
    }
  }

  async statusAll(): Promise<ServiceStatus[]> {
    const { services } = await this.topology();
    return Promise.all(services.map((s) => this.status(s)));
  }

  async get(service: LabService, path: string, timeoutMs = this.timeoutMs): Promise<{ status: number; body: unknown }> {
    return getJson(`${service.url}${path}`, timeoutMs);
  }

  async post(service: LabService, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    return this.send('POST', service, path, body);
  }

  async put(service: LabService, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    return this.send('PUT', service, path, body);
  }

  /** A state-changing call with the lab token. */
  private async send(method: 'POST' | 'PUT', service: LabService, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await request(`${service.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: res.statusCode, body: await res.body.json().catch(() => null) };
  }
}
