// The emergency stop (POST /api/emergency-stop, `cascade-lab emergency-stop`, the page's red button): ends
// the controller's run at once and removes every fault in the lab, whoever holds it: the controller's own
// faults and leases, and every toxic and lease of the fault proxy. It does not wait for the run's
// rollbacks to begin; once the run has ended (or after settleMs) it sweeps again, in case the run was
// injecting something as it was aborted. What it removed is its answer, and an event in the journal.
import type { EventLog } from '../../lib/events.js';
import type { HeldFaults } from '../faults/held-faults.js';
import type { LabClient } from '../lab-client.js';
import type { EmergencyStopResult } from './contract.js';
import type { RunManager } from './runs.js';

export interface EmergencyStopDeps {
  runs: Pick<RunManager, 'abort' | 'settled'>;
  faults: Pick<HeldFaults, 'clear'>;
  /** The fault proxy, through a client of the lab from inside the controller. */
  lab(): Promise<Pick<LabClient, 'proxies' | 'proxyLeases' | 'releaseLease' | 'resetProxies'>>;
  events: EventLog;
  /** How long it waits for an aborted run to end before its second sweep. */
  settleMs?: number;
}

export const EMERGENCY_REASON = 'emergency stop';

/** Every toxic and every lease of the fault proxy: the leases released first, so none re-adds anything. */
async function clearProxy(deps: EmergencyStopDeps): Promise<{ toxics: number; leases: number }> {
  const lab = await deps.lab();
  const [proxies, leases] = await Promise.all([lab.proxies(), lab.proxyLeases()]);
  for (const lease of leases) await lab.releaseLease(lease.holder);
  await lab.resetProxies();
  return { toxics: Object.values(proxies).reduce((n, p) => n + p.toxics.length, 0), leases: leases.length };
}

export async function emergencyStop(deps: EmergencyStopDeps): Promise<EmergencyStopResult> {
  const errors = new Set<string>();
  const sweep = () =>
    Promise.all([
      deps.faults.clear().catch((err: Error) => (errors.add(`controller faults: ${err.message}`), 0)),
      clearProxy(deps).catch((err: Error) => (errors.add(`fault proxy: ${err.message}`), { toxics: 0, leases: 0 })),
    ]);
  const run = deps.runs.abort(EMERGENCY_REASON);
  let [controllerFaults, proxy] = await sweep();
  if (run) {
    await deps.runs.settled(deps.settleMs ?? 5000);
    const [more, moreProxy] = await sweep();
    controllerFaults += more;
    proxy = { toxics: proxy.toxics + moreProxy.toxics, leases: proxy.leases + moreProxy.leases };
  }
  const result: EmergencyStopResult = { run, controllerFaults, toxics: proxy.toxics, proxyLeases: proxy.leases, errors: [...errors] };
  deps.events.emit('emergency-stop', { ...result });
  return result;
}
