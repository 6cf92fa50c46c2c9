// The health checks themselves, over real sockets: a target check is GET /healthz on the instance's port
// on a new connection each time (what it tests is reachability, i.e. whether the instance's network
// configuration arrived, as an NLB's check does); a node check asks a peer NLB node's admin port who it is.
import { Agent, request } from 'undici';
import { nodeInfoSchema } from './state.js';
import type { Target } from './targets.js';

export interface Peer {
  /** The node's id, which is its AZ: az-a, az-b, ... */
  id: string;
  /** Its admin base URL. */
  url: string;
}

export interface NodeInfo {
  id: string;
  /** The address the app endpoint's DNS publishes for it. */
  address: string;
}

export interface Prober {
  /** True when the target answered 200 within timeoutMs. */
  target(target: Target, timeoutMs: number): Promise<boolean>;
  /** The node's identity when it answered within timeoutMs, null otherwise. */
  node(peer: Peer, timeoutMs: number): Promise<NodeInfo | null>;
}

export class HttpProber implements Prober {
  // `reset` on every check: a new TCP connection each time, so a closed listener is seen at once.
  private readonly agent = new Agent();

  async target(target: Target, timeoutMs: number): Promise<boolean> {
    try {
      const res = await request(`http://${target.host}:${target.port}/healthz`, {
        dispatcher: this.agent,
        reset: true,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  async node(peer: Peer, timeoutMs: number): Promise<NodeInfo | null> {
    try {
      const res = await request(`${peer.url}/v1/node`, { dispatcher: this.agent, reset: true, signal: AbortSignal.timeout(timeoutMs) });
      const body = nodeInfoSchema.safeParse(await res.body.json().catch(() => null));
      if (res.statusCode !== 200 || !body.success || body.data.id !== peer.id) return null;
      return { id: body.data.id, address: body.data.address };
    } catch {
      return null;
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
