// The droplet hosts (one droplet service per AZ) as the control plane reaches them over HTTP:
//   POST /v1/instances {id, dropletId} -> {id, port}      create an instance (not reachable yet)
//   POST /v1/instances/:id/network {}                      its network configuration: opens its listener
//   DELETE /v1/instances/:id                               terminate
//   GET /v1/droplets/:dropletId/check?kind= -> {ok:true}   DWFM's state check (establish or renew)
// Behind this small interface so tests inject fakes.
import { Agent, request } from 'undici';
import type { CheckKind } from '../../lib/contract.js';
import type { DropletCheck } from './lease.js';

export interface DropletHosts extends DropletCheck {
  create(az: string, instanceId: string, dropletId: string): Promise<{ host: string; port: number }>;
  configureNetwork(az: string, instanceId: string): Promise<void>;
  terminate(az: string, instanceId: string): Promise<void>;
}

export class DropletHostError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'DropletHostError';
  }
}

export class HttpDropletHosts implements DropletHosts {
  private readonly agent: Agent;
  constructor(
    private readonly hosts: Map<string, URL>,
    private readonly token: string,
    /** Read at every call: it grows with the state check's time at slow clocks. */
    public timeoutMs = 2000,
  ) {
    this.agent = new Agent({ connections: 32, keepAliveTimeout: 10_000 });
  }

  private async call(az: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const base = this.hosts.get(az);
    if (!base) throw new DropletHostError(0, `no droplet host configured for ${az}`);
    const timer = AbortSignal.timeout(this.timeoutMs);
    const res = await request(new URL(path, base), {
      method,
      dispatcher: this.agent,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timer]) : timer,
    });
    const json = (await res.body.json().catch(() => ({}))) as { error?: { message?: string } };
    if (res.statusCode >= 300) throw new DropletHostError(res.statusCode, json.error?.message ?? `${method} ${path} answered ${res.statusCode}`);
    return json;
  }

  async check(az: string, dropletId: string, signal?: AbortSignal, kind: CheckKind = 'establish'): Promise<void> {
    await this.call(az, 'GET', `/v1/droplets/${encodeURIComponent(dropletId)}/check?kind=${kind}`, undefined, signal);
  }

  async create(az: string, instanceId: string, dropletId: string): Promise<{ host: string; port: number }> {
    const body = (await this.call(az, 'POST', '/v1/instances', { id: instanceId, dropletId })) as { port: number };
    return { host: (this.hosts.get(az) as URL).hostname, port: body.port };
  }

  async configureNetwork(az: string, instanceId: string): Promise<void> {
    await this.call(az, 'POST', `/v1/instances/${encodeURIComponent(instanceId)}/network`, {});
  }

  async terminate(az: string, instanceId: string): Promise<void> {
    await this.call(az, 'DELETE', `/v1/instances/${encodeURIComponent(instanceId)}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
