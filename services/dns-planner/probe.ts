// Asks a kv-store node whether it is ready and how loaded it is (its /readyz and /lab/state).
import { request } from 'undici';
import type { NodeReport } from './capacity.js';

export function httpProbe(timeoutMs: number) {
  return async (id: string, url: string): Promise<NodeReport> => {
    const signal = AbortSignal.timeout(timeoutMs);
    const ready = await request(`${url}/readyz`, { signal });
    await ready.body.dump();
    if (ready.statusCode !== 200) return { id, ready: false };
    const res = await request(`${url}/lab/state`, { signal });
    const body = (await res.body.json()) as { state?: { address?: string; inflight?: number; queued?: number; capacity?: number } };
    return { id, ready: true, ...body.state };
  };
}
