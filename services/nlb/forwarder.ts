// The traffic side of an NLB node: an HTTP listener that forwards each request round-robin to an
// in-service target of its own AZ (of every AZ with cross-zone load balancing on), 503 when it has none.
// No retries on another target: a client whose request hit a target that cannot answer sees the error,
// as a connection to an NLB whose target is gone would fail.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Agent } from 'undici';
import { errorCodes } from '../../lib/errors.js';
import type { TargetView } from './targets.js';

export interface ForwarderOptions {
  az: string;
  crossZone: boolean;
  timeoutMs: number;
  /** Requests per second this node forwards (a token bucket of one second's worth); beyond, 503. */
  capacityPerSecond?: number;
  now?: () => number;
}

export interface ForwarderStats {
  requests: number;
  forwarded: number;
  noTargets: number;
  /** Requests refused because the node was at its capacity. */
  overloaded: number;
  upstreamErrors: number;
  /** Upstream errors by cause: the error's code (ECONNREFUSED, UND_ERR_SOCKET, UND_ERR_HEADERS_TIMEOUT...). */
  upstreamErrorsByCause: Record<string, number>;
}

// Hop-by-hop headers stay on their hop (undici refuses some of them outright).
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect', 'proxy-connection', 'te', 'trailer']);

export class Forwarder {
  private next = 0;
  private readonly agent: Agent;
  readonly stats: ForwarderStats = { requests: 0, forwarded: 0, noTargets: 0, overloaded: 0, upstreamErrors: 0, upstreamErrorsByCause: {} };
  private tokens: number;
  private filledAt: number;

  constructor(
    private readonly view: TargetView,
    private readonly opts: ForwarderOptions,
  ) {
    this.agent = new Agent({ connections: 32, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, connectTimeout: opts.timeoutMs, keepAliveTimeout: 4000 });
    this.tokens = opts.capacityPerSecond ?? Infinity;
    this.filledAt = this.now();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Takes a request's worth of the node's capacity; false when the node is at capacity. */
  private admit(): boolean {
    const capacity = this.opts.capacityPerSecond;
    if (capacity === undefined) return true;
    const now = this.now();
    this.tokens = Math.min(capacity, this.tokens + ((now - this.filledAt) / 1000) * capacity);
    this.filledAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  createServer(): Server {
    return createServer((req, res) => void this.handle(req, res));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests++;
    if (!this.admit()) {
      // Capacity that DNS failover took elsewhere lands here: too much load for what remains.
      this.stats.overloaded++;
      req.resume();
      return reply(res, 503, 'NLB_ERR_OVERLOADED', `NLB node ${this.opts.az} is at its capacity (${this.opts.capacityPerSecond} requests per second)`);
    }
    let targets = this.view.inService(this.opts.az);
    if (targets.length === 0 && this.opts.crossZone) targets = this.view.inService();
    if (targets.length === 0) {
      this.stats.noTargets++;
      req.resume();
      return reply(res, 503, 'NLB_ERR_NO_TARGETS', `no target in service behind NLB node ${this.opts.az}`);
    }
    const target = targets[this.next++ % targets.length]!;
    if (this.next > 1e9) this.next = 0;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined && !HOP.has(name)) headers[name] = value;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    if (!hasBody) req.resume();
    try {
      const upstream = await this.agent.request({
        origin: `http://${target.host}:${target.port}`,
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as 'GET',
        headers,
        body: hasBody ? req : undefined,
      });
      const out: Record<string, string | string[]> = { 'x-nlb-node': this.opts.az, 'x-nlb-target': target.id };
      for (const [name, value] of Object.entries(upstream.headers)) if (value !== undefined && !HOP.has(name)) out[name] = value;
      res.writeHead(upstream.statusCode, out);
      await pipeline(upstream.body, res);
      this.stats.forwarded++;
    } catch (err) {
      this.stats.upstreamErrors++;
      const cause = errorCodes(err).next().value || 'other';
      this.stats.upstreamErrorsByCause[cause] = (this.stats.upstreamErrorsByCause[cause] ?? 0) + 1;
      if (!res.headersSent) reply(res, 502, 'NLB_ERR_TARGET', `target ${target.id} (${target.host}:${target.port}): ${(err as Error).message}`);
      else res.destroy();
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function reply(res: ServerResponse, status: number, code: string, message: string): void {
  const text = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
