// The lab's services as the controller sees them: asks each for /healthz, /readyz and /lab/state, and
// forwards operator hooks (pause an enactor...) with the lab token.
import { request } from 'undici';

export interface ServiceRef {
  name: string;
  url: string;
}

export interface ServiceStatus {
  name: string;
  alive: boolean;
  ready: boolean;
  checks?: unknown;
  error?: string;
}

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.body.json().catch(() => null);
  return { status: res.statusCode, body };
}

export class ServiceDirectory {
  constructor(
    readonly services: ServiceRef[],
    private readonly token: string,
    private readonly timeoutMs = 3000,
  ) {}

  find(name: string): ServiceRef | undefined {
    return this.services.find((s) => s.name === name);
  }

  async status(service: ServiceRef): Promise<ServiceStatus> {
    try {
      const ready = await getJson(`${service.url}/readyz`, this.timeoutMs);
      const body = ready.body as { checks?: unknown } | null;
      return { name: service.name, alive: true, ready: ready.status === 200, checks: body?.checks };
    } catch (err) {
      return { name: service.name, alive: false, ready: false, error: (err as Error).message };
    }
  }

  async statusAll(): Promise<ServiceStatus[]> {
    return Promise.all(this.services.map((s) => this.status(s)));
  }

  async get(service: ServiceRef, path: string): Promise<{ status: number; body: unknown }> {
    return getJson(`${service.url}${path}`, this.timeoutMs);
  }

  async post(service: ServiceRef, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await request(`${service.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: res.statusCode, body: await res.body.json().catch(() => null) };
  }
}
