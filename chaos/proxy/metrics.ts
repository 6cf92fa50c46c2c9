// The fault-proxy's Prometheus metrics: connections and bytes per proxy and direction, toxics in force.
import { Counter, counterFrom, Gauge, type Registry } from '../../lib/metrics.js';

/** What the gauges read of a proxy at scrape time. */
interface ProxyView {
  name: string;
  listening: boolean;
  connectionCount: number;
  toxics: { list(): { type: string; stream: string }[] };
  /** Bytes written so far per direction, plain numbers (the hot path does not touch prom-client). */
  bytes: { upstream: number; downstream: number };
}

export interface ProxyMetrics {
  connections: Counter<'proxy'>;
  upstreamFailures: Counter<'proxy'>;
}

/** `proxies` is read at scrape time for the gauges. */
export function createProxyMetrics(registry: Registry, proxies: () => Iterable<ProxyView>): ProxyMetrics {
  new Gauge({
    name: 'fault_proxy_connections_active',
    help: 'client connections open through each proxy (UDP: client addresses with a live upstream socket)',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of proxies()) this.set({ proxy: p.name }, p.connectionCount);
    },
  });
  new Gauge({
    name: 'fault_proxy_toxics_active',
    help: 'toxics configured on each proxy, by type and stream',
    labelNames: ['proxy', 'type', 'stream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of proxies()) for (const t of p.toxics.list()) this.inc({ proxy: p.name, type: t.type, stream: t.stream });
    },
  });
  new Gauge({
    name: 'fault_proxy_enabled',
    help: '1 when the proxy is enabled and listening',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of proxies()) this.set({ proxy: p.name }, p.listening ? 1 : 0);
    },
  });
  bytesCounter(registry, proxies);
  return {
    connections: new Counter({ name: 'fault_proxy_connections_total', help: 'client connections accepted', labelNames: ['proxy'], registers: [registry] }),
    upstreamFailures: new Counter({
      name: 'fault_proxy_upstream_connect_failures_total',
      help: 'client connections closed because the upstream could not be reached',
      labelNames: ['proxy'],
      registers: [registry],
    }),
  };
}

/** Bytes through each proxy, read from the proxies' own totals at scrape time (a re-created proxy starts again from 0). */
function bytesCounter(registry: Registry, proxies: () => Iterable<ProxyView>): void {
  counterFrom(
    registry,
    { name: 'fault_proxy_bytes_total', help: 'bytes written through each proxy (upstream = client to server, downstream = server to client)', labelNames: ['proxy', 'direction'] },
    () => [...proxies()].flatMap((p) => (['upstream', 'downstream'] as const).map((direction) => [{ proxy: p.name, direction }, p.bytes[direction]] as const)),
  );
}
