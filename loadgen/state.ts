// The loadgen's /lab/state contract: the customers' view. Totals since it started, a latency summary
// and one entry per closed second (the last STATE_SECONDS of them), which the customer probes, the
// timeline and the dashboard read.
import { z } from 'zod';
import { ERROR_KINDS } from './outcome.js';

const count = z.number().int().min(0);
const ms = z.number().min(0);

export const errorCountsSchema = z.partialRecord(z.enum(ERROR_KINDS), count);

export const secondStatsSchema = z.object({
  /** Second index from the start of the run. */
  t: count,
  requests: count,
  successes: count,
  errors: count,
  errorsByKind: errorCountsSchema,
  p50: ms.nullable(),
  p90: ms.nullable(),
  p99: ms.nullable(),
  max: ms.nullable(),
});
export type SecondStats = z.infer<typeof secondStatsSchema>;

export const totalsSchema = z.object({
  requests: count,
  successes: count,
  errors: count,
  errorsByKind: errorCountsSchema,
  /** successes / requests, 0..1 (1 when there were no requests yet). */
  successRate: z.number().min(0).max(1),
});
export type Totals = z.infer<typeof totalsSchema>;

export const latencySummarySchema = z.object({
  count,
  min: ms,
  mean: ms,
  stdev: ms,
  p50: ms,
  p75: ms,
  p90: ms,
  p99: ms,
  p999: ms,
  max: ms,
});
export type LatencySummary = z.infer<typeof latencySummarySchema>;

export const rateSchema = z.union([z.number().positive(), z.literal('max')]);

export const loadgenStateSchema = z.object({
  url: z.string(),
  rate: rateSchema,
  paused: z.boolean(),
  running: z.boolean(),
  connections: count,
  pipelining: count,
  inFlight: count,
  queued: count,
  uptimeMs: ms,
  totals: totalsSchema,
  latency: latencySummarySchema.nullable(),
  series: z.array(secondStatsSchema),
});
export type LoadgenState = z.infer<typeof loadgenStateSchema>;
