// How tools on the host reach a running lab: only through the ports it publishes on 127.0.0.1 (the
// controller on 8080, the fault proxy's Toxiproxy API on 8474, DNS on 1053).
import type { Clock } from '../lib/clock.js';
import { Loop } from '../lib/loop.js';
import type { HeldFault } from './faults/held-faults.js';
import { request } from 'undici';
import { lookupA, type LookupResult } from '../lib/dns-client.js';

export interface LabEndpoints {
  controller: string;
  faultProxy: string;
  dnsPort: number;
  token: string;
}

export function labEndpoints(env: NodeJS.ProcessEnv = process.env): LabEndpoints {
  return {
    controller: env.CASCADE_LAB_CONTROLLER ?? `http://127.0.0.1:${env.LAB_CONTROLLER_PORT ?? 8080}`,
    faultProxy: env.CASCADE_LAB_FAULT_PROXY ?? `http://127.0.0.1:${env.LAB_FAULT_API_PORT ?? 8474}`,
    dnsPort: Number(env.LAB_DNS_PORT ?? 1053),
    token: env.LAB_ADMIN_TOKEN ?? 'cascade-lab-admin',
  };
}

export class LabUnreachable extends Error {
  constructor(what: string, cause: unknown) {
    super(`the lab is not up (${what}: ${(cause as Error).message}); start it with: cascade-lab up`);
    this.name = 'LabUnreachable';
  }
}

export interface ToxicSpec {
  name?: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, unknown>;
}

export class LabClient {
  constructor(readonly endpoints: LabEndpoints = labEndpoints()) {}

  /** The fault lease every toxic this client adds is bound to (see chaos/proxy/leases.ts). */
  leaseHolder: string | null = null;
  private leaseTtlMs = 0;
  /** Whether the holder also has a lease at the controller (taken with the first container or service fault). */
  private controllerLease = false;

  private async call(base: string, what: string, path: string, init: { method?: string; body?: unknown; auth?: boolean; headers?: Record<string, string> } = {}) {
    let res;
    try {
      res = await request(`${base}${path}`, {
        method: (init.method ?? 'GET') as 'GET',
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.auth ? { authorization: `Bearer ${this.endpoints.token}` } : {}),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(30000),
      });
    } catch (err) {
      throw new LabUnreachable(what, err);
    }
    const text = await res.body.text();
    const body = text ? (JSON.parse(text) as unknown) : null;
    if (res.statusCode >= 400) {
      const e = body as { error?: { message?: string } | string } | null;
      const message = typeof e?.error === 'string' ? e.error : (e?.error?.message ?? text);
      throw new Error(`${what} ${init.method ?? 'GET'} ${path}: ${res.statusCode} ${message}`);
    }
    return body;
  }

  controller(path: string, init?: { method?: string; body?: unknown; auth?: boolean }) {
    return this.call(this.endpoints.controller, 'controller', path, init);
  }

  proxy(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }) {
    return this.call(this.endpoints.faultProxy, 'fault-proxy', path, init);
  }

  lookup(name: string): Promise<LookupResult> {
    return lookupA(name, this.endpoints.dnsPort, '127.0.0.1', 2000);
  }

  async addToxic(proxy: string, toxic: ToxicSpec): Promise<{ proxy: string; name: string }> {
    const headers: Record<string, string> = this.leaseHolder ? { 'x-lab-lease': this.leaseHolder } : {};
    const created = (await this.proxy(`/proxies/${encodeURIComponent(proxy)}/toxics`, { method: 'POST', body: toxic, headers })) as { name: string };
    return { proxy, name: created.name };
  }

  async updateToxic(proxy: string, name: string, toxic: Omit<ToxicSpec, 'name'>): Promise<void> {
    await this.proxy(`/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`, { method: 'POST', body: toxic });
  }

  async removeToxic(proxy: string, name: string): Promise<void> {
    await this.proxy(`/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`, { method: 'DELETE' }).catch((err: Error) => {
      if (!/404/.test(err.message)) throw err;
    });
  }

  /**
   * Takes or renews the fault lease; faults added afterwards die with it unless it is renewed. The
   * fault proxy holds toxics; the controller holds container and service faults, once there are any.
   */
  async renewLease(holder: string, ttlMs: number): Promise<void> {
    const atController = this.controllerLease && this.leaseHolder === holder;
    await Promise.all([
      this.proxy(`/lab/leases/${encodeURIComponent(holder)}`, { method: 'PUT', body: { ttlMs } }),
      atController ? this.controller(`/api/leases/${encodeURIComponent(holder)}`, { method: 'PUT', body: { ttlMs }, auth: true }) : null,
    ]);
    this.leaseHolder = holder;
    this.leaseTtlMs = ttlMs;
  }

  async releaseLease(holder: string): Promise<void> {
    const atController = this.controllerLease && this.leaseHolder === holder;
    const results = await Promise.allSettled([
      this.proxy(`/lab/leases/${encodeURIComponent(holder)}`, { method: 'DELETE' }),
      atController ? this.controller(`/api/leases/${encodeURIComponent(holder)}`, { method: 'DELETE', auth: true }) : null,
    ]);
    if (this.leaseHolder === holder) {
      this.leaseHolder = null;
      this.controllerLease = false;
    }
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** A container or service fault (chaos/faults/catalogue.ts), held by this client's lease. */
  async addFault(kind: string, target: string, params: Record<string, unknown>): Promise<HeldFaultInfo> {
    const holder = this.leaseHolder;
    if (!holder) throw new Error('take a fault lease (renewLease) before adding a fault');
    if (!this.controllerLease) {
      await this.controller(`/api/leases/${encodeURIComponent(holder)}`, { method: 'PUT', body: { ttlMs: this.leaseTtlMs }, auth: true });
      this.controllerLease = true;
    }
    return (await this.controller('/api/faults', { method: 'POST', body: { kind, target, params, holder }, auth: true })) as HeldFaultInfo;
  }

  async removeFault(id: string): Promise<void> {
    await this.controller(`/api/faults/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true }).catch((err: Error) => {
      if (!/ 404 /.test(err.message)) throw err;
    });
  }

  faults() {
    return this.controller('/api/faults') as Promise<HeldFaultInfo[]>;
  }

  status() {
    return this.controller('/api/status') as Promise<LabStatus>;
  }
}

/** A dead holder's faults are gone within this long (the issue asks for 10 s); renewed every third of it. */
export const FAULT_LEASE_TTL_MS = 6000;

/**
 * Takes the fault lease for `holder` and renews it until release(), which stops renewing and drops it:
 * every fault injected under it goes with it, and if this process dies the lab drops them by itself.
 */
export async function holdLease(
  lab: Pick<LabClient, 'renewLease' | 'releaseLease'>,
  holder: string,
  clock: Clock,
  onRenewError: (err: Error) => void,
): Promise<{ release(): Promise<void> }> {
  await lab.renewLease(holder, FAULT_LEASE_TTL_MS);
  // The first renewal is the one above: the loop waits before each of its own.
  const renewal = new Loop({ clock, intervalMs: FAULT_LEASE_TTL_MS / 3, waitFirst: true, onError: (err) => onRenewError(err as Error) });
  void renewal.run(() => lab.renewLease(holder, FAULT_LEASE_TTL_MS));
  return {
    release: async () => {
      await renewal.stop();
      await lab.releaseLease(holder);
    },
  };
}

/** A service's `/lab/state` snapshot through the controller, null when it has none; rejects when unreachable. */
export async function serviceState(lab: Pick<LabClient, 'controller'>, service: string): Promise<Record<string, unknown> | null> {
  const body = (await lab.controller(`/api/services/${encodeURIComponent(service)}/state`)) as { state?: Record<string, unknown> } | null;
  return body?.state ?? null;
}

/** serviceState(), with null also when the controller or the service cannot be reached. */
export const serviceStateOrNull = (lab: Pick<LabClient, 'controller'>, service: string) => serviceState(lab, service).catch(() => null);

/**
 * The lab's controller, with identical GETs made at the same time sharing one request: the phase
 * detectors sample together, and two of them read the launcher's state.
 */
export function coalescing(lab: Pick<LabClient, 'controller'>): Pick<LabClient, 'controller'> {
  const inFlight = new Map<string, Promise<unknown>>();
  return {
    controller: (path, init) => {
      if (init?.method && init.method !== 'GET') return lab.controller(path, init);
      let pending = inFlight.get(path);
      if (!pending) {
        pending = lab.controller(path, init).finally(() => inFlight.delete(path));
        inFlight.set(path, pending);
      }
      return pending;
    },
  };
}

/** A fault the controller holds, as its API shows it (without the undo record it keeps for itself). */
export type HeldFaultInfo = Omit<HeldFault, 'undo'>;

export interface LabStatus {
  ready: boolean;
  services: { name: string; alive: boolean; ready: boolean; error?: string }[];
  dns: { aliases?: { name: string; target: string; addresses: number }[] } | null;
  customer: { requests: number; successes: number; errors: Record<string, number> };
}
