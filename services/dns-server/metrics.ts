// The dns-server's Prometheus metrics. Per-query counts live in QueryStats as plain numbers and are
// copied into the registry at scrape time, so the hot path never touches prom-client.
import { Counter, Gauge, type Registry } from '../../lib/metrics.js';
import { RCODE_NAME } from './resolve.js';
import type { QueryStats } from './wire.js';
import type { Zone } from './zone.js';

const QTYPE_NAME: Record<number, string> = { 0: 'NONE', 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY' };

export interface DnsMetrics {
  batches: Counter<'result'>;
}

export function registerDnsMetrics(registry: Registry, zone: Zone, stats: QueryStats): DnsMetrics {
  new Counter({
    name: 'dns_queries_total',
    help: 'DNS queries answered, by query type and response code',
    labelNames: ['qtype', 'rcode'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { qtype, rcode, count } of stats.entries()) {
        this.inc({ qtype: QTYPE_NAME[qtype] ?? 'OTHER', rcode: RCODE_NAME[rcode] ?? (rcode === 16 ? 'BADVERS' : String(rcode)) }, count);
      }
    },
  });
  new Counter({
    name: 'dns_dropped_packets_total',
    help: 'Packets dropped without an answer (too short to have a header, or a response)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.dropped);
    },
  });
  new Gauge({ name: 'dns_zone_serial', help: 'SOA serial of the zone', registers: [registry], collect() { this.set(zone.serial); } });
  new Gauge({ name: 'dns_zone_records', help: 'Records in the zone', registers: [registry], collect() { this.set(zone.size); } });
  return {
    batches: new Counter({ name: 'dns_change_batches_total', help: 'Change batches by result (applied, rejected)', labelNames: ['result'], registers: [registry] }),
  };
}
