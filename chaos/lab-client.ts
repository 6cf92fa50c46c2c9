// How tools on the host reach a running lab: only through the ports it publishes on 127.0.0.1 (the
// controller on 8080, the fault proxy's Toxiproxy API on 8474, DNS on 1053). Every answer is parsed with
// the schema of its contract (chaos/controller/contract.ts, chaos/contracts.ts), so `state('ec2')`
// is the launcher's type, and a field that changed shape fails here with its path, not three readers
// later. Errors carry the HTTP status and the lab's error code (lib/errors.ts).
import { Loop } from '../lib/loop.js';
import { request } from 'undici';
import { z } from 'zod';
import type { Clock } from '../lib/clock.js';
import { stateEnvelope, type Fix } from '../lib/contract.js';
import { lookupA, type LookupResult } from '../lib/dns-client.js';
import { LabError } from '../lib/errors.js';
import { STATE_SCHEMAS, type ServiceKind, type StateOf } from './contracts.js';
import {
  emergencyStopSchema,
  fixesStatusSchema,
  heldFaultSchema,
  labClockStatusSchema,
  labStatusSchema,
  repairResultSchema,
  runInfoSchema,
  runListSchema,
  topologySchema,
  type EmergencyStopResult,
  type FixesStatus,
  type HeldFaultInfo,
  type LabClockStatus,
  type LabStatus,
  type RunInfo,
} from './controller/contract.js';
import { timelineResponseSchema, type TimelineSample } from './controller/timeline.js';
import { gameInfoSchema, gameStartedSchema, type GameInfo, type GameStart } from './gameday/contract.js';
import { proxiesResponseSchema, proxyLeaseSchema, type ProxyJson, type ProxyLease } from './proxy/state.js';
import { Topology, type Role } from './topology.js';

export type { EmergencyStopResult, HeldFaultInfo, LabStatus, RunInfo };

export interface LabEndpoints {
  controller: string;
  faultProxy: string;
  dnsHost: string;
  dnsPort: number;
  token: string;
}

export function labEndpoints(env: NodeJS.ProcessEnv = process.env): LabEndpoints {
  return {
    controller: env.CASCADE_LAB_CONTROLLER ?? `http://127.0.0.1:${env.LAB_CONTROLLER_PORT ?? 8080}`,
    faultProxy: env.CASCADE_LAB_FAULT_PROXY ?? `http://127.0.0.1:${env.LAB_FAULT_API_PORT ?? 8474}`,
    dnsHost: env.CASCADE_LAB_DNS_HOST ?? '127.0.0.1',
    dnsPort: Number(env.LAB_DNS_PORT ?? 1053),
    token: env.LAB_ADMIN_TOKEN ?? 'cascade-lab-admin',
  };
}

/** The lab could not be reached at all (connection refused, timeout): not started, or down. */
export class LabUnreachable extends LabError {
  constructor(what: string, cause: unknown) {
    super('LAB_ERR_UNREACHABLE', 0, `the lab is not up (${what}: ${(cause as Error).message}); start it with: cascade-lab up`);
    this.name = 'LabUnreachable';
  }
}

/** A lab API answered with an error: `statusCode` and `code` are the service's (LAB_ERR_NOT_FOUND, PROXY_ERR_...). */
export class LabApiError extends LabError {
  constructor(
    readonly what: string,
    statusCode: number,
    code: string,
    message: string,
  ) {
    super(code, statusCode, `${what}: ${statusCode} ${message}`);
    this.name = 'LabApiError';
  }
}

/** A lab API answered 2xx with a body its contract does not describe: the two sides have drifted. */
export class ContractMismatch extends LabError {
  constructor(what: string, issues: z.core.$ZodIssue[]) {
    const first = issues[0];
    super('LAB_ERR_CONTRACT', 502, `${what} answered outside its contract: ${first ? `${first.path.join('.') || '(body)'}: ${first.message}` : 'invalid'}`);
    this.name = 'ContractMismatch';
  }
}

export const isNotFound = (err: unknown) => err instanceof LabApiError && err.statusCode === 404;

export interface ToxicSpec {
  name?: string;
  type: string;
  stream: 'upstream' | 'downstream';
  toxicity: number;
  attributes: Record<string, unknown>;
}

interface CallInit {
  method?: string;
  body?: unknown;
  auth?: boolean;
  headers?: Record<string, string>;
}

function parsed<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ContractMismatch(what, result.error.issues);
  return result.data;
}

export class LabClient {
  constructor(
    readonly endpoints: LabEndpoints = labEndpoints(),
    /** How long one call may take; the controller's live stream asks with a short one. */
    private readonly timeoutMs = 30_000,
  ) {}

  /** The fault lease every toxic this client adds is bound to (see chaos/proxy/leases.ts). */
  leaseHolder: string | null = null;
  private leaseTtlMs = 0;
  /** Whether the holder also has a lease at the controller (taken with the first container or service fault). */
  private controllerLease = false;
  /** GETs in flight: identical ones made at the same time share one request (the detectors sample together). */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private topologyCache: { at: number; topology: Promise<Topology> } | null = null;

  private async call(base: string, what: string, path: string, init: CallInit = {}): Promise<unknown> {
    const method = init.method ?? 'GET';
    if (method === 'GET' && !init.headers) {
      const key = `${base}${path}`;
      let pending = this.inFlight.get(key);
      if (!pending) {
        pending = this.send(base, what, path, init).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, pending);
      }
      return pending;
    }
    return this.send(base, what, path, init);
  }

  private async send(base: string, what: string, path: string, init: CallInit): Promise<unknown> {
    const method = init.method ?? 'GET';
    let res;
    try {
      res = await request(`${base}${path}`, {
        method: method as 'GET',
        headers: {
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(init.auth ? { authorization: `Bearer ${this.endpoints.token}` } : {}),
          ...init.headers,
        },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new LabUnreachable(what, err);
    }
    const text = await res.body.text();
    let body: unknown = null;
    try {
      body = text ? (JSON.parse(text) as unknown) : null;
    } catch {
      body = text;
    }
    if (res.statusCode >= 400) {
      // The lab's format is {error: {code, message}}; Toxiproxy's (the fault proxy's routes) is {error: "message", status}.
      const e = (body as { error?: { code?: string; message?: string } | string } | null)?.error;
      const code = typeof e === 'object' && e?.code ? e.code : `HTTP_${res.statusCode}`;
      const message = typeof e === 'string' ? e : (e?.message ?? text);
      throw new LabApiError(`${what} ${method} ${path}`, res.statusCode, code, message);
    }
    return body;
  }

  /**
   * A call to the controller, always with the admin token: while a game day goes on the controller
   * answers even its reads (faults, runs, the timeline) only to the facilitator.
   */
  controller(path: string, init?: CallInit) {
    return this.call(this.endpoints.controller, 'controller', path, { ...init, auth: init?.auth ?? true });
  }

  proxy(path: string, init?: CallInit) {
    return this.call(this.endpoints.faultProxy, 'fault-proxy', path, init);
  }

  lookup(name: string): Promise<LookupResult> {
    return lookupA(name, this.endpoints.dnsPort, this.endpoints.dnsHost, 2000);
  }

  /** The lab's services and roles, as the controller knows them (asked again after 5 s). */
  topology(): Promise<Topology> {
    const now = Date.now();
    if (!this.topologyCache || now - this.topologyCache.at > 5000) {
      const topology = this.controller('/api/topology').then((body) => Topology.from(parsed(topologySchema, body, 'controller GET /api/topology') as never));
      topology.catch(() => (this.topologyCache = null));
      this.topologyCache = { at: now, topology };
    }
    return this.topologyCache.topology;
  }

  /**
   * A service's /lab/state, typed by its kind. Without a name: the one service of that kind (the launcher,
   * the loadgen). Rejects when the service cannot be asked.
   */
  async state<K extends ServiceKind>(kind: K, name?: string): Promise<StateOf<K>> {
    const service = name ?? (await this.topology()).one(kind).name;
    const path = `/api/services/${encodeURIComponent(service)}/state`;
    const body = await this.controller(path);
    return parsed(stateEnvelope(STATE_SCHEMAS[kind]), body, `${service} /lab/state`).state as StateOf<K>;
  }

  /** state(), or null when the service (or the controller) cannot be asked right now. */
  stateOrNull<K extends ServiceKind>(kind: K, name?: string): Promise<StateOf<K> | null> {
    return this.state(kind, name).catch(() => null);
  }

  /** The state of the NLB node that runs the health checks, or null when it cannot be asked. */
  async checkerState(): Promise<StateOf<'nlb'> | null> {
    const checker = await this.roleService('nlb-checker');
    return checker ? this.stateOrNull('nlb', checker) : null;
  }

  private async roleService(role: Role): Promise<string | null> {
    return (await this.topology().catch(() => null))?.byRole(role)?.name ?? null;
  }

  /** A service's /lab/state as plain JSON, for a scenario's `state` probe (its path was checked when loaded). */
  async rawState(service: string): Promise<unknown> {
    const body = (await this.controller(`/api/services/${encodeURIComponent(service)}/state`)) as { state?: unknown } | null;
    return body?.state ?? null;
  }

  status(): Promise<LabStatus> {
    return this.controller('/api/status').then((body) => parsed(labStatusSchema, body, 'controller GET /api/status'));
  }

  /** The controller's timeline from `since` (ms epoch). */
  async timeline(since: number): Promise<{ intervalMs: number; samples: TimelineSample[] }> {
    const body = await this.controller(`/api/timeline?since=${Math.max(0, Math.floor(since))}`);
    return parsed(timelineResponseSchema, body, 'controller GET /api/timeline');
  }

  async repair(action: string): Promise<Record<string, unknown>> {
    return parsed(repairResultSchema, await this.controller('/api/repair', { method: 'POST', body: { action }, auth: true }), 'controller POST /api/repair');
  }

  /** The controller's run going on and the runs it kept (GET /api/runs). */
  async runs(): Promise<{ current: RunInfo | null; finished: RunInfo[] }> {
    return parsed(runListSchema, await this.controller('/api/runs'), 'controller GET /api/runs');
  }

  /** Stops the controller's run (its rollbacks run); null when none was going. */
  async stopRun(): Promise<RunInfo | null> {
    try {
      return parsed(runInfoSchema, await this.controller('/api/runs/current', { method: 'DELETE', auth: true }), 'controller DELETE /api/runs/current');
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Starts a game day on the controller: the game, and the responders' token (shown this once). */
  async startGame(request: GameStart): Promise<{ game: GameInfo; responders: { path: string; token: string } }> {
    return parsed(gameStartedSchema, await this.controller('/api/gameday', { method: 'POST', body: request }), 'controller POST /api/gameday');
  }

  /** The game going on or the last one; null when the controller has had none. */
  async game(): Promise<GameInfo | null> {
    return parsed(gameInfoSchema.nullable(), await this.controller('/api/gameday'), 'controller GET /api/gameday');
  }

  /** pause, resume or end the game (ending answers at once; the score comes once the run is over). */
  async gameAction(action: 'pause' | 'resume' | 'end'): Promise<GameInfo> {
    return parsed(gameInfoSchema, await this.controller(`/api/gameday/${action}`, { method: 'POST' }), `controller POST /api/gameday/${action}`);
  }

  /** Ends the controller's run at once and removes every fault of the lab. */
  async emergencyStop(): Promise<EmergencyStopResult> {
    return parsed(emergencyStopSchema, await this.controller('/api/emergency-stop', { method: 'POST', auth: true }), 'controller POST /api/emergency-stop');
  }

  /** The lab clock, and what each service whose time follows it runs at. */
  async labClock(): Promise<LabClockStatus> {
    return parsed(labClockStatusSchema, await this.controller('/api/clock'), 'controller GET /api/clock');
  }

  /** A new lab clock for every timed service (`1h=60s`); the controller keeps it. */
  async setLabClock(clock: string): Promise<LabClockStatus> {
    return parsed(labClockStatusSchema, await this.controller('/api/clock', { method: 'PUT', auth: true, body: { clock } }), 'controller PUT /api/clock');
  }

  /** The fixes the lab runs with, and each service's switch. */
  async fixes(): Promise<FixesStatus> {
    return parsed(fixesStatusSchema, await this.controller('/api/fixes'), 'controller GET /api/fixes');
  }

  /** Switches the running lab to exactly these fixes, without restarting anything. */
  async setFixes(fixes: (Fix | 'all')[]): Promise<FixesStatus> {
    return parsed(fixesStatusSchema, await this.controller('/api/fixes', { method: 'PUT', auth: true, body: { fixes } }), 'controller PUT /api/fixes');
  }

  async hook(service: string, hook: 'pause' | 'resume'): Promise<unknown> {
    return this.controller(`/api/services/${encodeURIComponent(service)}/hooks/${hook}`, { method: 'POST', auth: true });
  }

  /** Every fault-proxy link by name, with its toxics (Toxiproxy's GET /proxies). */
  async proxies(): Promise<Record<string, ProxyJson>> {
    return parsed(proxiesResponseSchema, await this.proxy('/proxies'), 'fault-proxy GET /proxies');
  }

  async proxyLeases(): Promise<ProxyLease[]> {
    return parsed(proxyLeaseSchema.array(), await this.proxy('/lab/leases'), 'fault-proxy GET /lab/leases');
  }

  /** Removes every toxic of every link (Toxiproxy's POST /reset). */
  async resetProxies(): Promise<void> {
    await this.proxy('/reset', { method: 'POST' });
  }

  /** Undoes every container and service fault the controller holds; how many there were. */
  async clearFaults(): Promise<number> {
    const body = await this.controller('/api/faults', { method: 'DELETE', auth: true });
    return parsed(z.object({ removed: z.number().int() }), body, 'controller DELETE /api/faults').removed;
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
    await this.proxy(`/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(name)}`, { method: 'DELETE' }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
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
    const body = await this.controller('/api/faults', { method: 'POST', body: { kind, target, params, holder }, auth: true });
    return parsed(heldFaultSchema, body, 'controller POST /api/faults');
  }

  async removeFault(id: string): Promise<void> {
    await this.controller(`/api/faults/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async faults(): Promise<HeldFaultInfo[]> {
    return parsed(heldFaultSchema.array(), await this.controller('/api/faults'), 'controller GET /api/faults');
  }
}

/** A dead holder's faults are gone within this long (the issue asks for 10 s); renewed every third of it. */
export const FAULT_LEASE_TTL_MS = 6000;

/**
 * Takes the fault lease for `holder` and renews it (every third of ttlMs) until release(), which stops
 * renewing and drops it: every fault injected under it goes with it, and if this process dies the lab
 * drops them by itself within ttlMs.
 */
export async function holdLease(
  lab: Pick<LabClient, 'renewLease' | 'releaseLease'>,
  holder: string,
  clock: Clock,
  onRenewError: (err: Error) => void,
  ttlMs = FAULT_LEASE_TTL_MS,
): Promise<{ release(): Promise<void> }> {
  await lab.renewLease(holder, ttlMs);
  // The first renewal is the one above: the loop waits before each of its own.
  const renewal = new Loop({ clock, intervalMs: ttlMs / 3, waitFirst: true, onError: (err) => onRenewError(err as Error) });
  void renewal.run(() => lab.renewLease(holder, ttlMs));
  return {
    release: async () => {
      await renewal.stop();
      await lab.releaseLease(holder);
    },
  };
}
