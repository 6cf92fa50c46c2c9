// dns-enactor Prometheus metrics, read from the enactor when scraped.
import { counterFrom, Gauge, snakeCase, type Registry } from '../../lib/metrics.js';
import type { Enactor } from './enactor.js';

export function registerEnactorMetrics(registry: Registry, enactor: Enactor): void {
  new Gauge({
    name: 'dns_enactor_applied_generation',
    help: 'plan generation this enactor applied last',
    registers: [registry],
    collect() {
      this.set(enactor.lastApplied?.generation ?? 0);
    },
  });
  for (const key of Object.keys(enactor.stats) as (keyof typeof enactor.stats)[]) {
    counterFrom(registry, { name: `dns_enactor_${snakeCase(key)}_total`, help: `enactor ${key}` }, () => enactor.stats[key]);
  }
}
