// Abort conditions: what Chaos Toolkit lacks. Each condition's probe runs in the background on its own
// interval while the method goes on; when its tolerance stays violated for the condition's `for`, the
// run is aborted (the rollbacks still run) and the journal names the condition. One good sample resets
// the count, so a single bad second does not stop a game day.
import type { AbortCondition, Tolerance } from './format.js';
import { durationMs } from './format.js';
import { runProvider, withinTolerance, type RunContext } from './providers.js';

export interface AbortRecord {
  condition: string;
  /** ms from run start when the condition fired */
  at: number;
  /** ms from run start since when it had been violated */
  since: number;
  value: unknown;
  reason: string;
}

export function describeTolerance(tolerance: Tolerance): string {
  if (typeof tolerance === 'boolean') return `is ${tolerance}`;
  if (tolerance.type === 'value') return `${tolerance.target} = ${JSON.stringify(tolerance.value)}`;
  return `${tolerance.target} in [${tolerance.range[0]}, ${tolerance.range[1]}]`;
}

function shown(value: unknown, tolerance: Tolerance): string {
  const v = typeof tolerance === 'object' ? (value as Record<string, unknown> | null)?.[tolerance.target] : value;
  return typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : JSON.stringify(v ?? null);
}

export class AbortWatcher {
  private readonly stopper = new AbortController();
  private loops: Promise<void>[] = [];
  fired: AbortRecord | null = null;

  constructor(
    private readonly conditions: AbortCondition[],
    private readonly ctx: RunContext,
    private readonly onAbort: (record: AbortRecord) => void,
  ) {}

  start(): void {
    this.loops = this.conditions.map((c) => this.watch(c));
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await Promise.all(this.loops);
  }

  private async watch(condition: AbortCondition): Promise<void> {
    const { ctx } = this;
    const forMs = durationMs(condition.for, ctx.labClock);
    const everyMs = Math.max(1, durationMs(condition.every, ctx.labClock));
    let violatedSince: number | null = null;
    while (!this.stopper.signal.aborted && !this.fired) {
      const value = await runProvider(condition.probe, ctx).catch((err: Error) => ({ error: err.message }));
      if (this.stopper.signal.aborted || this.fired) return;
      const now = ctx.elapsed();
      if (withinTolerance(value, condition.tolerance)) violatedSince = null;
      else {
        violatedSince ??= now;
        if (now - violatedSince >= forMs) {
          const reason = `abort condition ${condition.name}: ${describeTolerance(condition.tolerance)} did not hold for ${((now - violatedSince) / 1000).toFixed(1)} s (last: ${shown(value, condition.tolerance)})`;
          this.fired = { condition: condition.name, at: now, since: violatedSince, value, reason };
          this.onAbort(this.fired);
          return;
        }
      }
      await ctx.clock.sleep(everyMs, this.stopper.signal).catch(() => undefined);
    }
  }
}
