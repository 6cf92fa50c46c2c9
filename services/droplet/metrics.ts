// droplet Prometheus metrics, read from the instance host and the customer app when scraped.
import { counterFrom, Gauge, type Registry } from '../../lib/metrics.js';
import type { AppStats } from './customer-app.js';
import type { InstanceHost } from './instances.js';

export function registerDropletMetrics(registry: Registry, host: InstanceHost, appStats: AppStats): void {
  new Gauge({
    name: 'droplet_instances',
    help: 'instances on this host by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const [state, n] of Object.entries(host.counts())) this.set({ state }, n);
    },
  });
  counterFrom(registry, { name: 'droplet_app_requests', help: 'customer app requests on this host by outcome', labelNames: ['outcome'] }, () => [
    [{ outcome: 'ok' }, appStats.ok],
    [{ outcome: 'failed' }, appStats.failed],
  ]);
}
