// nlb Prometheus metrics, read from the forwarder and the health checker when scraped.
import { counterFrom, Gauge, snakeCase, type Registry } from '../../lib/metrics.js';
import type { AppEndpoint } from './app-endpoint.js';
import type { Forwarder } from './forwarder.js';
import type { HealthChecker, RoundReport } from './health-checks.js';

export function registerNlbMetrics(registry: Registry, forwarder: Forwarder, checker?: { health: HealthChecker; endpoint: AppEndpoint }): void {
  counterFrom(registry, { name: 'nlb_traffic_requests', help: 'requests on the traffic port by outcome', labelNames: ['outcome'] }, () => {
    const s = forwarder.stats;
    return [
      [{ outcome: 'forwarded' }, s.forwarded],
      [{ outcome: 'no_targets' }, s.noTargets],
      [{ outcome: 'upstream_error' }, s.upstreamErrors],
    ];
  });
  counterFrom(
    registry,
    { name: 'nlb_traffic_upstream_errors', help: 'requests whose target failed (answered 502, or cut off mid-response), by cause', labelNames: ['cause'] },
    () => Object.entries(forwarder.stats.upstreamErrorsByCause).map(([cause, n]) => [{ cause }, n] as const),
  );
  if (!checker) return;
  const { health, endpoint } = checker;
  new Gauge({
    name: 'nlb_targets',
    help: 'targets per AZ, in service or not',
    labelNames: ['az', 'in_service'],
    registers: [registry],
    collect() {
      for (const [az, c] of Object.entries(health.capacity())) {
        this.set({ az, in_service: 'true' }, c.inService);
        this.set({ az, in_service: 'false' }, c.total - c.inService);
      }
    },
  });
  new Gauge({
    name: 'nlb_dns_weight',
    help: 'weight published for each node in the app endpoint (0 = removed from DNS)',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      const weights = endpoint.weights();
      for (const n of health.nodeTable()) this.set({ node: n.peer.id }, weights[n.peer.id] ?? 0);
    },
  });
  for (const key of Object.keys(health.totals) as (keyof typeof health.totals)[]) {
    counterFrom(registry, { name: `nlb_health_${snakeCase(key)}_total`, help: `health-check subsystem: ${key}` }, () => health.totals[key]);
  }
  const last = (read: (r: RoundReport) => number) => () => {
    const round = health.history.at(-1);
    return round ? read(round) : 0;
  };
  const lastRound = [
    ['nlb_health_round_duration_ms', 'duration of the last health-check round', last((r) => r.durationMs)],
    ['nlb_health_round_state_changes', 'state changes in the last round', last((r) => r.stateChanges)],
    ['nlb_health_round_capacity_removed', 'targets taken out of service in the last round', last((r) => r.capacityRemoved)],
    ['nlb_health_round_late_checks', 'checks of the last round that timed out waiting in the queue', last((r) => r.lateChecks)],
  ] as const;
  for (const [name, help, read] of lastRound) {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  }
  new Gauge({ name: 'nlb_failover_enabled', help: '1 while automatic health-check failover is on', registers: [registry], collect() { this.set(health.failoverEnabled ? 1 : 0); } });
}
