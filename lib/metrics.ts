// Prometheus metrics: one registry per service with the default process metrics and a `service` label.
// A value that only goes up is a Counter (its name ends in _total), one that goes up and down a Gauge.
import { Registry, collectDefaultMetrics, Counter, Gauge, Histogram, type LabelValues } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export function createRegistry(service: string, withDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A Counter over totals kept elsewhere (a stats object, read at scrape time), so the hot path never
 * touches prom-client: each scrape adds what a total grew by since the last one. `totals` gives one
 * number, or one per label set. A total that went down (its owner started again from 0) becomes the new
 * base and adds nothing.
 */
export function counterFrom<L extends string = never>(
  registry: Registry,
  config: { name: string; help: string; labelNames?: readonly L[] },
  totals: () => number | Iterable<readonly [LabelValues<L>, number]>,
): Counter<L> {
  const reported = new Map<string, number>();
  return new Counter<L>({
    ...config,
    registers: [registry],
    collect() {
      const read = totals();
      for (const [labels, total] of typeof read === 'number' ? [[{} as LabelValues<L>, read] as const] : read) {
        const key = JSON.stringify(labels);
        const delta = total - (reported.get(key) ?? 0);
        reported.set(key, total);
        if (delta > 0) this.inc(labels, delta);
      }
    },
  });
}

/** `someTotal` -> `some_total`: metric names from stats keys. */
export const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
