// Where the controller's live stream (live.ts) reads each part of a frame: readiness from the service
// directory, addresses from the lab's DNS server, the faults it holds itself and the fault proxy's toxics
// with their leases, and the run from the run manager.
import { lookupA } from '../../lib/dns-client.js';
import { heldToxicNames } from '../faults/held-toxic.js';
import type { HeldFault } from '../faults/held-faults.js';
import type { ProxyJson, ProxyLease } from '../proxy/state.js';
import type { LiveFault, RunInfo } from './contract.js';
import type { InsideLab } from './lab-inside.js';
import type { LiveSources } from './live.js';
import type { ServiceDirectory } from './services.js';

export interface ControllerLiveDeps {
  directory: Pick<ServiceDirectory, 'topology' | 'status'>;
  faults: { list(): HeldFault[] };
  runs: { latest(): RunInfo | null };
  lab: InsideLab;
  dns: { host: string; port: number };
  infra?: Record<string, () => Promise<unknown>>;
}

/** The toxics on the fault proxy, each with the lease that holds it; those the controller holds are left out (they are its own faults). */
export function proxyFaults(proxies: Record<string, ProxyJson>, leases: ProxyLease[], held: HeldFault[]): LiveFault[] {
  const own = new Set(held.flatMap((f) => heldToxicNames(f.undo).map((name) => `${f.target}/${name}`)));
  return Object.values(proxies).flatMap((proxy) =>
    proxy.toxics
      .filter((t) => !own.has(`${proxy.name}/${t.name}`))
      .map((t): LiveFault => {
        const lease = leases.find((l) => l.toxics.some((x) => x.proxy === proxy.name && x.toxic === t.name));
        return {
          source: 'fault-proxy',
          id: `${proxy.name}/${t.name}`,
          kind: proxy.protocol === 'udp' ? `udp-${t.type}` : t.type,
          target: proxy.name,
          params: { ...t.attributes, stream: t.stream, toxicity: t.toxicity },
          holder: lease?.holder ?? null,
          expiresAt: lease?.expiresAt ?? null,
        };
      }),
  );
}

export const heldFaultLive = (f: HeldFault): LiveFault => ({
  source: 'controller',
  id: f.id,
  kind: f.kind,
  target: f.target,
  params: f.params,
  holder: f.holder,
  expiresAt: f.expiresAt,
  ...(f.undoError !== undefined ? { undoError: f.undoError } : {}),
});

export function controllerLiveSources(deps: ControllerLiveDeps): LiveSources {
  return {
    topology: () => deps.directory.topology(),
    status: (service, timeoutMs) => deps.directory.status(service, timeoutMs),
    resolve: async (name, timeoutMs) => (await lookupA(name, deps.dns.port, deps.dns.host, timeoutMs)).addresses,
    faults: async (timeoutMs) => {
      const held = deps.faults.list();
      const lab = await deps.lab(timeoutMs);
      // The fault proxy may be down: the controller's own faults are known all the same.
      const toxics = await Promise.all([lab.proxies(), lab.proxyLeases()]).then(
        ([proxies, leases]) => proxyFaults(proxies, leases, held),
        () => [],
      );
      return [...held.map(heldFaultLive), ...toxics];
    },
    run: () => deps.runs.latest(),
    infra: deps.infra,
  };
}
