// Counts and HDR latency histograms for one run: totals since the start and one entry per second (by
// the time each outcome became known), so a stall or a DNS outage shows up as the seconds it covered.
// Latencies are recorded in microseconds and reported in milliseconds. Only the current second's
// histogram is written per request; it is folded into the run's histogram when the second closes.
import { build, type Histogram } from 'hdr-histogram-js';
import { ERROR_KINDS, type ErrorCounts, type ErrorKind } from './outcome.js';
import type { LatencySummary, SecondStats, Totals } from './state.js';

export type { LatencySummary, SecondStats, Totals };

export function newHistogram(): Histogram {
  // Pure JS (the default): 1 µs resolution, 3 significant digits, grows past 60 s when it has to.
  return build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
}

const ms = (us: number) => Math.round(us) / 1000;

export function summarizeLatency(h: Histogram): LatencySummary | null {
  if (h.totalCount === 0) return null;
  return {
    count: h.totalCount,
    min: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue),
    mean: ms(h.mean),
    stdev: ms(h.stdDeviation),
    p50: ms(h.getValueAtPercentile(50)),
    p75: ms(h.getValueAtPercentile(75)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

export class RunStats {
  private requests = 0;
  private successes = 0;
  private readonly errorsByKind = new Float64Array(ERROR_KINDS.length);
  private readonly runHistogram = newHistogram();

  private second = 0;
  private secondEnd: number;
  private secSuccesses = 0;
  private secErrors = 0;
  private readonly secErrorsByKind = new Float64Array(ERROR_KINDS.length);
  private readonly secHistogram = newHistogram();
  private readonly closed: SecondStats[] = [];

  /**
   * @param t0 start of the run on the same clock as the `now` values passed in (ms)
   * @param seriesLimit how many closed seconds to keep (a continuous service keeps the last N)
   * @param onSecond called with each second as it closes (progress lines, logs)
   */
  constructor(
    readonly t0: number,
    private readonly seriesLimit = Number.POSITIVE_INFINITY,
    private readonly onSecond?: (s: SecondStats) => void,
  ) {
    this.secondEnd = t0 + 1000;
  }

  success(latencyUs: number, now: number): void {
    if (now >= this.secondEnd) this.roll(now);
    this.requests++;
    this.successes++;
    this.secSuccesses++;
    this.secHistogram.recordValue(latencyUs < 1 ? 1 : latencyUs);
  }

  /** An error; latencyUs < 0 when there was no response to time (transport errors, overload). */
  failure(kind: ErrorKind, latencyUs: number, now: number): void {
    if (now >= this.secondEnd) this.roll(now);
    const i = ERROR_KINDS.indexOf(kind);
    this.requests++;
    this.errorsByKind[i]!++;
    this.secErrors++;
    this.secErrorsByKind[i]!++;
    if (latencyUs >= 0) this.secHistogram.recordValue(latencyUs < 1 ? 1 : latencyUs);
  }

  /** Closes every second that ended before `now` (an idle second closes with zeros). */
  roll(now: number): void {
    while (now >= this.secondEnd) {
      this.closeSecond();
      this.secondEnd += 1000;
    }
  }

  /** Closes the last, partial second so the series adds up to the totals. */
  finish(now: number): void {
    this.roll(now);
    if (this.secSuccesses + this.secErrors > 0) this.closeSecond();
  }

  totals(): Totals {
    const errors = this.requests - this.successes;
    return {
      requests: this.requests,
      successes: this.successes,
      errors,
      errorsByKind: countsOf(this.errorsByKind),
      successRate: this.requests === 0 ? 1 : this.successes / this.requests,
    };
  }

  /** Latency over the closed seconds (all of them after finish()). */
  latency(): LatencySummary | null {
    return summarizeLatency(this.runHistogram);
  }

  /** The run's histogram, for exporters (read-only use). */
  get histogram(): Histogram {
    return this.runHistogram;
  }

  /** Closed seconds, oldest first; `last` limits to the most recent ones. */
  series(last?: number): SecondStats[] {
    if (last === undefined) return this.closed.slice();
    return last > 0 ? this.closed.slice(-last) : [];
  }

  private closeSecond(): void {
    const h = this.secHistogram;
    const has = h.totalCount > 0;
    const entry: SecondStats = {
      t: this.second,
      requests: this.secSuccesses + this.secErrors,
      successes: this.secSuccesses,
      errors: this.secErrors,
      errorsByKind: countsOf(this.secErrorsByKind),
      p50: has ? ms(h.getValueAtPercentile(50)) : null,
      p90: has ? ms(h.getValueAtPercentile(90)) : null,
      p99: has ? ms(h.getValueAtPercentile(99)) : null,
      max: has ? ms(h.maxValue) : null,
    };
    if (has) this.runHistogram.add(h);
    h.reset();
    this.secSuccesses = 0;
    this.secErrors = 0;
    this.secErrorsByKind.fill(0);
    this.second++;
    this.closed.push(entry);
    if (this.closed.length > this.seriesLimit) this.closed.splice(0, this.closed.length - this.seriesLimit);
    this.onSecond?.(entry);
  }
}

function countsOf(values: Float64Array): ErrorCounts {
  const counts: ErrorCounts = {};
  values.forEach((n, i) => {
    if (n > 0) counts[ERROR_KINDS[i]!] = n;
  });
  return counts;
}
