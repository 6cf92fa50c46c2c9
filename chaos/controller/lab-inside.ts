// How the controller reaches its own lab from inside its container, for the runs it hosts, the
// emergency stop and the live stream: itself on its own port, the fault proxy at its service URL from
// the topology, and the lab's DNS server. The same LabClient the CLI uses from the host.
import { LabClient } from '../lab-client.js';
import type { Topology } from '../topology.js';

export interface InsideOptions {
  /** The controller's own API, e.g. http://127.0.0.1:8080. */
  controllerUrl(): string;
  /** The lab's DNS server (TIMELINE_DNS: the dns-server service, port 53). */
  dns: { host: string; port: number };
  token: string;
}

/** A client of the lab from inside; `timeoutMs` bounds each of its calls. */
export type InsideLab = (timeoutMs?: number) => Promise<LabClient>;

export function insideLab(directory: { topology(): Topology | Promise<Topology> }, opts: InsideOptions): InsideLab {
  return async (timeoutMs) => {
    const proxy = (await directory.topology()).ofKind('fault-proxy')[0];
    const endpoints = {
      controller: opts.controllerUrl(),
      // A lab without a fault proxy: every call to it fails as unreachable, which is what it is.
      faultProxy: proxy?.url ?? 'http://fault-proxy.invalid',
      dnsHost: opts.dns.host,
      dnsPort: opts.dns.port,
      token: opts.token,
    };
    return new LabClient(endpoints, timeoutMs);
  };
}
