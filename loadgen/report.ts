// What a run says at the end: one summary object (the JSON form, and what the lab's journal reads) and
// a plain-text rendering laid out like wrk's, plus the one-line-per-second progress format.
import { ERROR_KINDS, type ErrorCounts } from './outcome.js';
import type { RunResult } from './generator.js';
import type { LatencySummary, SecondStats } from './series.js';

/** The run's description as the generator reports it, then the figures people read. */
export interface Summary extends Pick<RunResult, 'url' | 'mode' | 'rate' | 'connections' | 'pipelining' | 'timeoutMs' | 'elapsedMs'> {
  requests: number;
  successes: number;
  errors: number;
  errorsByKind: ErrorCounts;
  /** 0..1 */
  successRate: number;
  /** Requests answered (or failed) per second of elapsed time. */
  rps: number;
  /** Milliseconds; open loop: from each request's scheduled send time. Null when nothing was answered. */
  latencyMs: LatencySummary | null;
  series: SecondStats[];
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarize(result: RunResult): Summary {
  const { totals } = result;
  return {
    url: result.url,
    mode: result.mode,
    rate: result.rate,
    connections: result.connections,
    pipelining: result.pipelining,
    timeoutMs: result.timeoutMs,
    elapsedMs: result.elapsedMs,
    requests: totals.requests,
    successes: totals.successes,
    errors: totals.errors,
    errorsByKind: totals.errorsByKind,
    successRate: round(totals.successRate, 6),
    rps: result.elapsedMs > 0 ? round((totals.requests * 1000) / result.elapsedMs, 2) : 0,
    latencyMs: result.latency,
    series: result.series,
  };
}

export function renderJson(summary: Summary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 100) return `${ms.toFixed(1)}ms`;
  return `${ms.toFixed(2)}ms`;
}

export function formatErrors(counts: ErrorCounts): string {
  return ERROR_KINDS.filter((k) => counts[k]).map((k) => `${k} ${counts[k]}`).join(', ');
}

const pct = (rate: number) => `${(rate * 100).toFixed(2)}%`;

export function renderText(s: Summary): string {
  const lines: string[] = [];
  const seconds = (s.elapsedMs / 1000).toFixed(2);
  lines.push(`${s.mode} test @ ${s.url}`);
  lines.push(
    s.rate === 'max'
      ? `  ${s.connections} connections${s.pipelining > 1 ? ` x ${s.pipelining} pipelined` : ''}, as fast as answers come (latency from the real send)`
      : `  ${s.rate} req/s, ${s.connections} connections${s.pipelining > 1 ? ` x ${s.pipelining} pipelined` : ''} (latency from each request's scheduled send time)`,
  );
  const l = s.latencyMs;
  if (l) {
    const cols = ['mean', 'stdev', 'p50', 'p90', 'p99', 'p99.9', 'max'];
    const vals = [l.mean, l.stdev, l.p50, l.p90, l.p99, l.p999, l.max].map(formatMs);
    lines.push(`  Latency ${cols.map((c) => c.padStart(9)).join('')}`);
    lines.push(`          ${vals.map((v) => v.padStart(9)).join('')}`);
  } else {
    lines.push('  Latency: no responses');
  }
  lines.push(`  ${s.requests} requests in ${seconds}s: ${s.successes} succeeded (${pct(s.successRate)}), ${s.errors} failed`);
  if (s.errors > 0) lines.push(`  Errors: ${formatErrors(s.errorsByKind)}`);
  if (s.series.length > 0) {
    lines.push('  Per second:');
    lines.push(`  ${'t'.padStart(5)}${'requests'.padStart(10)}${'ok'.padStart(9)}${'errors'.padStart(8)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`);
    for (const e of s.series) {
      lines.push(
        `  ${String(e.t).padStart(5)}${String(e.requests).padStart(10)}${String(e.successes).padStart(9)}${String(e.errors).padStart(8)}` +
          `${formatMs(e.p50).padStart(10)}${formatMs(e.p99).padStart(10)}${formatMs(e.max).padStart(10)}`,
      );
    }
  }
  lines.push(`Requests/sec: ${s.rps.toFixed(2)}`);
  lines.push(`Success rate: ${pct(s.successRate)}`);
  return `${lines.join('\n')}\n`;
}

/** One plain line per closed second, for stderr while a run is going. */
export function progressLine(e: SecondStats): string {
  const errors = e.errors > 0 ? ` (${formatErrors(e.errorsByKind)})` : '';
  return `[${String(e.t + 1).padStart(4)}s] ${e.requests} req, ${e.successes} ok, ${e.errors} err${errors}, p50 ${formatMs(e.p50)}, p99 ${formatMs(e.p99)}, max ${formatMs(e.max)}`;
}
