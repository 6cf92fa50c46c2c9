// Where an NLB's targets come from, and how their health is looked at. Targets are the running
// instances the launcher (EC2) knows about; the load balancer registers every one of them at once.
import { Agent, request } from 'undici';

export interface Target {
  /** The instance id. */
  id: string;
  /** Its Availability Zone, e.g. az-a: the NLB node of that AZ forwards to it. */
  az: string;
  /** The droplet host's address and the instance's port. */
  host: string;
  port: number;
}

export interface TargetSource {
  list(): Promise<Target[]>;
}

/** The targets of one AZ (or of every AZ) that are in service right now, as a traffic node sees them. */
export interface TargetView {
  inService(az?: string): Target[];
}

const isTarget = (t: unknown): t is Target => {
  const o = t as Record<string, unknown>;
  return typeof o?.id === 'string' && typeof o.az === 'string' && typeof o.host === 'string' && Number.isInteger(o.port);
};

/**
 * Polls the launcher: GET <url>/v1/instances -> {instances: [{id, az, host, port, state, ...}]} (a bare
 * array works too) and registers the instances in one of `states`. The launcher calls an instance
 * `network-pending` from the moment its droplet host created it until the network manager delivered its
 * configuration, and `running` after: EC2 would show both as running, and registering both is what
 * brings targets into service before their network state propagated.
 */
export class LauncherTargets implements TargetSource {
  private readonly agent: Agent;
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly states: string[] = ['network-pending', 'running'],
    /** The autoscaling fleet behind this load balancer (the launcher's instance group). */
    private readonly group = 'app',
  ) {
    this.agent = new Agent({ connections: 2, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  async list(): Promise<Target[]> {
    const res = await request(`${this.baseUrl}/v1/instances?group=${encodeURIComponent(this.group)}`, { dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs) });
    const body = (await res.body.json().catch(() => null)) as unknown;
    if (res.statusCode !== 200) throw new Error(`launcher answered ${res.statusCode}`);
    const items = Array.isArray(body) ? body : ((body as { instances?: unknown[] } | null)?.instances ?? null);
    if (!Array.isArray(items)) throw new Error('launcher answered without an instance list');
    const wanted = (state: unknown) => typeof state !== 'string' || this.states.includes(state);
    return items
      .filter((t: unknown): t is Target => isTarget(t) && wanted((t as { state?: unknown }).state))
      .map((t) => ({ id: t.id, az: t.az, host: t.host, port: t.port }));
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export { isTarget };
