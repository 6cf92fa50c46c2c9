// What `cascade-lab run` shows while a run goes on: on a terminal a progress bar (cli-progress) with
// the current phases, the active faults and the customers' success rate, the run's own lines scrolling
// above it; elsewhere (CI logs, pipes, --json) plain lines, with that status every `statusEveryMs`.
import cliProgress, { type MultiBar, type SingleBar } from 'cli-progress';
import type { Clock } from '../lib/clock.js';
import { defaultLabClock, type LabClock } from '../lib/lab-clock.js';
import { Loop } from '../lib/loop.js';
import { durationMs, type Activity, type Duration, type Experiment } from './experiments/format.js';
import type { LiveRun } from './experiments/runner.js';

/**
 * The longest the experiment can take: every pause, every wait's timeout and every hold's duration
 * (the hypothesis counted twice). Null when nothing in it takes time, so the bar shows elapsed time only.
 */
export function expectedDurationMs(experiment: Experiment, clock: LabClock = defaultLabClock()): number | null {
  const ms = (d: Duration | undefined) => (d === undefined ? 0 : durationMs(d, clock));
  /** Runs the list on paper: pauses, waits and holds at their longest, `at` times after what they name. */
  const play = (list: Activity[], start = 0) => {
    const ends = new Map<string, number>();
    let t = start;
    for (const a of list) {
      t += ms(a.pauses?.before);
      if (a.at) t = Math.max(t, (a.at.after === undefined ? start : (ends.get(a.at.after) ?? start)) + ms({ aws: a.at.aws }));
      if (a.provider.type === 'wait') t += ms(a.provider.timeout);
      if (a.provider.type === 'hold') t += ms(a.provider.duration);
      ends.set(a.name, t);
      t += ms(a.pauses?.after);
    }
    return t - start;
  };
  const total = 2 * play(experiment['steady-state-hypothesis'].probes) + play(experiment.method) + play(experiment.rollbacks);
  return total > 0 ? total : null;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** A bar (true) or plain lines (false). */
  bar: boolean;
  totalMs: number | null;
  clock: Clock;
  /** Customers' success rate right now (0..1), null when unknown. */
  customer?: () => Promise<number | null>;
  everyMs?: number;
  /** Plain mode: how often the status line is printed. */
  statusEveryMs?: number;
}

export interface RunStatusLine {
  elapsedMs: number;
  phases: string[];
  faults: number;
  customer: number | null;
  activity: string | null;
}

export function formatStatus(s: RunStatusLine): string {
  const customers = s.customer === null ? 'customers: n/a' : `customers: ${(100 * s.customer).toFixed(1)} % ok`;
  return `phase: ${s.phases.join(', ') || 'none'} | faults: ${s.faults} | ${customers}${s.activity ? ` | ${s.activity}` : ''}`;
}

const clockTime = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export class RunProgress {
  private multi: MultiBar | null = null;
  private bar: SingleBar | null = null;
  private readonly loop: Loop;
  private attached = false;
  private lastStatusAt = 0;

  constructor(private readonly opts: ProgressOptions) {
    this.loop = new Loop({ clock: opts.clock, intervalMs: () => this.opts.everyMs ?? 1000 });
  }

  /** One of the run's own lines. */
  line(text: string): void {
    if (this.multi) this.multi.log(`${text}\n`);
    else this.opts.stream.write(`${text}\n`);
  }

  /** Starts showing the run's status until stop(). */
  attach(run: LiveRun): void {
    if (this.attached) return;
    this.attached = true;
    if (this.opts.bar) {
      const total = this.opts.totalMs;
      const format = total ? ' {bar} {elapsedText} of at most {totalText} | {status}' : ' {elapsedText} | {status}';
      this.multi = new cliProgress.MultiBar({ stream: this.opts.stream as NodeJS.WriteStream, format, hideCursor: true, clearOnComplete: false, gracefulExit: false, forceRedraw: true, barsize: 24 }, cliProgress.Presets.shades_classic);
      this.bar = this.multi.create(total ? Math.ceil(total / 1000) : 1, 0, { elapsedText: '0:00', totalText: total ? clockTime(total) : '', status: 'starting' });
    }
    void this.loop.run(() => this.tick(run));
  }

  async tick(run: LiveRun): Promise<RunStatusLine | null> {
    const elapsedMs = run.elapsed();
    // Plain lines come every statusEveryMs: the customers are asked only when a line is due.
    if (!this.bar && elapsedMs - this.lastStatusAt < (this.opts.statusEveryMs ?? 10_000)) return null;
    const customer = this.opts.customer ? await this.opts.customer().catch(() => null) : null;
    const status: RunStatusLine = { elapsedMs, phases: run.phases(), faults: run.activeFaults(), customer, activity: run.activity() };
    if (this.bar) {
      const seconds = Math.floor(status.elapsedMs / 1000);
      const total = this.opts.totalMs ? Math.ceil(this.opts.totalMs / 1000) : 1;
      this.bar.update(this.opts.totalMs ? Math.min(seconds, total) : 0, { elapsedText: clockTime(status.elapsedMs), status: formatStatus(status) });
    } else {
      this.lastStatusAt = status.elapsedMs;
      this.opts.stream.write(`  [${clockTime(status.elapsedMs)}] ${formatStatus(status)}\n`);
    }
    return status;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    if (this.multi) {
      this.multi.update(); // writes the lines logged since the last redraw
      this.multi.stop();
      this.multi = null;
      this.bar = null;
    }
  }
}
