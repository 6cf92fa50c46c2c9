// How a node that is not the health checker knows which targets are in service: it polls the checker's
// GET /v1/targets and keeps the last answer. When the checker cannot be reached the node goes on with
// what it last knew (static stability), and says how old that is in /lab/state.
import { Agent, request } from 'undici';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { Loop } from '../../lib/loop.js';
import { targetsResponseSchema } from './state.js';
import type { Target, TargetView } from './targets.js';

export class CheckerView implements TargetView {
  private targets: Target[] = [];
  private readonly agent: Agent;
  private readonly loop: Loop;
  lastUpdate: number | null = null;
  lastError: string | null = null;

  /** How often the view is read and how long an answer may take: read at every refresh (the lab clock may change). */
  readonly opts: { intervalMs: number; timeoutMs: number };

  constructor(
    private readonly checkerUrl: string,
    intervalMs: number,
    timeoutMs: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.opts = { intervalMs, timeoutMs };
    this.agent = new Agent({ connections: 1 });
    this.loop = new Loop({
      clock,
      intervalMs: () => this.opts.intervalMs,
      onError: (err) => {
        if (this.lastError !== (err as Error).message) this.log.warn({ err: (err as Error).message }, 'cannot read the health checker\'s view');
        this.lastError = (err as Error).message;
      },
    });
  }

  inService(az?: string): Target[] {
    return this.targets.filter((t) => !az || t.az === az);
  }

  async refresh(): Promise<void> {
    const { timeoutMs } = this.opts;
    const res = await request(`${this.checkerUrl}/v1/targets`, { dispatcher: this.agent, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    const body = targetsResponseSchema.safeParse(await res.body.json().catch(() => null));
    if (res.statusCode !== 200 || !body.success) throw new Error(`health checker answered ${res.statusCode}${body.success ? '' : ' without a target list'}`);
    this.targets = body.data.targets.filter((t) => t.inService).map((t) => ({ id: t.id, az: t.az, host: t.host, port: t.port }));
    this.lastUpdate = this.clock.now();
  }

  run(): Promise<void> {
    return this.loop.run(async () => {
      await this.refresh();
      this.lastError = null;
    });
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A new interval (a new lab clock) applies to the wait for the next read under way. */
  reschedule(): void {
    this.loop.reschedule();
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
