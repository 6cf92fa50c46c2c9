// The fault-proxy's Prometheus metrics: connections and bytes per proxy and direction, toxics in force.
import { Counter, Gauge, type Registry } from '../../lib/metrics.js';
import type { Proxy } from './proxy.js';

export interface ProxyMetrics {
  connections: Counter<'proxy'>;
  upstreamFailures: Counter<'proxy'>;
  bytes: Counter<'proxy' | 'direction'>;
}

/** `proxies` is read at scrape time for the gauges. */
export function createProxyMetrics(registry: Registry, proxies: () => Iterable<Proxy>): ProxyMetrics {
  new Gauge({
    name: 'fault_proxy_connections_active',
    help: 'client connections open through each proxy',
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
  return {
    connections: new Counter({ name: 'fault_proxy_connections_total', help: 'client connections accepted', labelNames: ['proxy'], registers: [registry] }),
    upstreamFailures: new Counter({
      name: 'fault_proxy_upstream_connect_failures_total',
      help: 'client connections closed because the upstream could not be reached',
      labelNames: ['proxy'],
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'fault_proxy_bytes_total',
      help: 'bytes written through each proxy (upstream = client to server, downstream = server to client)',
      labelNames: ['proxy', 'direction'],
      registers: [registry],
    }),
  };
}
