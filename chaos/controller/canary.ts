// A customer canary inside the lab: every interval it reads an item through the regional kv endpoint's
// name over a new connection, so each request really asks the lab's DNS (through getaddrinfo) and a
// kv-store node. Its counters are the run's customer figures until the load generator takes over.
import { request } from 'undici';
import type { Clock } from '../../lib/clock.js';
import { Loop } from '../../lib/loop.js';

export interface CanaryCounts {
  requests: number;
  successes: number;
  errors: Record<string, number>;
  lastError: string | null;
}

export function classify(err: unknown): string {
  // Codes are strings from node and undici, but a timeout's DOMException carries a number (23).
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = String(e.code ?? e.cause?.code ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return 'dns';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') return 'connection';
  if (code.includes('TIMEOUT') || code === 'ABORT_ERR' || (err as Error).name === 'TimeoutError') return 'timeout';
  return 'other';
}

export class Canary {
  readonly counts: CanaryCounts = { requests: 0, successes: 0, errors: {}, lastError: null };
  private readonly loop: Loop;

  constructor(
    private readonly url: string,
    private readonly intervalMs: number,
    clock: Clock,
  ) {
    this.loop = new Loop({ clock, intervalMs: () => this.intervalMs });
  }

  async once(): Promise<boolean> {
    this.counts.requests++;
    try {
      const res = await request(this.url, { reset: true, signal: AbortSignal.timeout(2000) });
      await res.body.dump();
      // 404 is a healthy answer: the kv store was reached and looked the item up.
      if (res.statusCode < 500) {
        this.counts.successes++;
        return true;
      }
      this.fail(`HTTP ${res.statusCode}`, 'status');
    } catch (err) {
      this.fail((err as Error).message, classify(err));
    }
    return false;
  }

  private fail(message: string, kind: string) {
    this.counts.errors[kind] = (this.counts.errors[kind] ?? 0) + 1;
    this.counts.lastError = message;
  }

  run(): Promise<void> {
    return this.loop.run(() => this.once());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
