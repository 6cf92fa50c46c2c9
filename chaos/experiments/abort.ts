// Abort conditions: what Chaos Toolkit lacks. Each condition's probe runs in the background on its own
// interval while the method goes on; when its tolerance stays violated for the condition's `for`, the
// run is aborted (the rollbacks still run) and the journal names the condition. One good sample resets
// the count, so a single bad second does not stop a game day.
import { Loop } from '../../lib/loop.js';
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
  /** One loop per condition, each probing on its own interval. */
  private readonly watches: { loop: Loop; check: () => Promise<void> }[];
  fired: AbortRecord | null = null;

  constructor(
    conditions: AbortCondition[],
    private readonly ctx: RunContext,
    private readonly onAbort: (record: AbortRecord) => void,
  ) {
    this.watches = conditions.map((c) => this.watch(c));
  }

  start(): void {
    for (const { loop, check } of this.watches) void loop.run(check);
  }

  async stop(): Promise<void> {
    await Promise.all(this.watches.map(({ loop }) => loop.stop()));
  }

  private watch(condition: AbortCondition): { loop: Loop; check: () => Promise<void> } {
    const { ctx } = this;
    const forMs = durationMs(condition.for, ctx.labClock);
    const loop = new Loop({ clock: ctx.clock, intervalMs: Math.max(1, durationMs(condition.every, ctx.labClock)) });
    let violatedSince: number | null = null;
    const check = async () => {
      const value = await runProvider(condition.probe, ctx).catch((err: Error) => ({ error: err.message }));
      // Stopped meanwhile, by the run or by another condition firing.
      if (loop.stopped) return;
      const now = ctx.elapsed();
      if (withinTolerance(value, condition.tolerance)) violatedSince = null;
      else {
        violatedSince ??= now;
        if (now - violatedSince >= forMs) {
          const reason = `abort condition ${condition.name}: ${describeTolerance(condition.tolerance)} did not hold for ${((now - violatedSince) / 1000).toFixed(1)} s (last: ${shown(value, condition.tolerance)})`;
          this.fired = { condition: condition.name, at: now, since: violatedSince, value, reason };
          // One abort is enough: every condition stops watching (without waiting here for this very check).
          for (const w of this.watches) void w.loop.stop();
          this.onAbort(this.fired);
        }
      }
    };
    return { loop, check };
  }
}
