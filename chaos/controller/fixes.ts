// Amazon's remediations as switches of the running lab (GET and PUT /api/fixes): each fix is a switch of
// the services that implement it (their GET and PUT /lab/fix), so a run with another set of fixes does
// not restart a container. Compose's FIX_ variables set the switches a container starts with (`cascade-lab
// up --fix`, compose/fixed.yml); a container started again starts from them, and `fixes` then tells the
// lab's switches apart (`consistent: false`).
import { badGateway } from '../../lib/errors.js';
import { FIXES, fixStateSchema, type Fix } from '../../lib/contract.js';
import type { EventLog } from '../../lib/events.js';
import type { ServiceKind } from '../contracts.js';
import type { FixesStatus } from './contract.js';
import type { LabService } from '../topology.js';
import type { ServiceDirectory } from './services.js';

/** The kind of service that implements each fix. */
export const FIX_KINDS: Record<Fix, ServiceKind> = { enactor: 'dns-enactor', 'nlb-velocity': 'nlb', 'propagation-throttle': 'ec2' };

/** One service's switch; `on` null when it did not answer. */
type ServiceFix = FixesStatus['services'][number];

type Directory = Pick<ServiceDirectory, 'topology' | 'get' | 'put'>;

/** Every fix switch of the lab, as its services say. */
export async function fixesStatus(directory: Directory): Promise<FixesStatus> {
  const services = await switches(directory);
  return summary(await Promise.all(services.map(({ service, fix }) => answer(service, fix, directory.get(service, '/lab/fix', 1500)))));
}

/**
 * Switches the lab's fixes to exactly `wanted` (`all`: every one): every service of a fix on, every other
 * one off. A service that does not take its switch makes it a 502 that names it (the others keep theirs).
 */
export async function switchFixes(directory: Directory, wanted: readonly (Fix | 'all')[], events: EventLog): Promise<FixesStatus> {
  const fixes: readonly Fix[] = wanted.includes('all') ? FIXES : (wanted as Fix[]);
  const services = await switches(directory);
  const results = await Promise.all(
    services.map(({ service, fix }) => answer(service, fix, directory.put(service, '/lab/fix', { on: fixes.includes(fix) }))),
  );
  const failed = results.filter((r) => r.on === null);
  if (failed.length > 0) {
    throw badGateway(`could not switch ${failed.map((f) => `${f.fix} on ${f.name} (${f.error})`).join('; ')}`, { services: results });
  }
  const status = summary(results);
  events.emit('fixes-switched', { fixes: status.fixes });
  return status;
}

async function switches(directory: Directory): Promise<{ service: LabService; fix: Fix }[]> {
  const topology = await directory.topology();
  return FIXES.flatMap((fix) => topology.ofKind(FIX_KINDS[fix]).map((service) => ({ service, fix })));
}

/** A service's switch from its answer to GET or PUT /lab/fix; `on` null when it did not give one. */
async function answer(service: LabService, fix: Fix, request: Promise<{ status: number; body: unknown }>): Promise<ServiceFix> {
  try {
    const res = await request;
    if (res.status !== 200) return { name: service.name, fix, on: null, error: `answered ${res.status}: ${JSON.stringify(res.body)}` };
    return { name: service.name, fix, on: fixStateSchema.parse(res.body).on };
  } catch (err) {
    return { name: service.name, fix, on: null, error: (err as Error).message };
  }
}

function summary(services: ServiceFix[]): FixesStatus {
  const of = (fix: Fix) => services.filter((s) => s.fix === fix);
  const fixes = FIXES.filter((fix) => of(fix).length > 0 && of(fix).every((s) => s.on === true));
  const disagree = FIXES.filter((fix) => new Set(of(fix).map((s) => s.on)).size > 1);
  const consistent = disagree.length === 0 && services.every((s) => s.on !== null);
  return { fixes, disagree, consistent, services };
}
