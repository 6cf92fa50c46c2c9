// The operators' runbook for the cascade, the interventions Amazon's engineers made by hand on 20 October,
// in their order: restore DNS (repair.ts), throttle incoming work and restart DWFM, then disable the NLB's
// automatic health-check failover. Each action goes to the service's own admin API with the lab token;
// the CLI (`cascade-lab repair ACTION`) and experiments (`provider: {type: repair, action}`) reach them
// through the controller, because the launcher and NLB ports are not published on the host.
import type { ServiceDirectory } from './services.js';

export type Action = () => Promise<unknown>;

/**
 * Launches per second the throttle lets through while DWFM recovers: one every ten seconds. Launches
 * that would have come in meanwhile fail with RequestLimitExceeded and are retried by their callers, so
 * they are all waiting when the throttle is lifted (the backlog the Network Manager then meets).
 */
export const THROTTLED_LAUNCHES_PER_SECOND = 0.1;

type Directory = Pick<ServiceDirectory, 'topology' | 'post'>;

/** POSTs to a lab service's admin API with the lab token; throws with the service's message on >= 400. */
export async function callService(directory: Directory, service: string, path: string, body: unknown): Promise<unknown> {
  const ref = (await directory.topology()).find(service);
  if (!ref) throw new Error(`the lab has no ${service} service`);
  const res = await directory.post(ref, path, body);
  if (res.status >= 400) {
    const b = res.body as { message?: string; error?: { message?: string } } | null;
    const message = b?.error?.message ?? b?.message ?? JSON.stringify(res.body);
    throw new Error(`${service} answered ${res.status}: ${message}`);
  }
  return { service, ...(res.body as object) };
}

export interface RunbookOptions {
  /** Who gets the launcher's actions; by default the lab's one launcher. */
  launcher?: string;
  /** The NLB node that runs the health checks; by default the one that says it does. */
  nlbChecker?: string;
}

export function runbook(directory: Directory, opts: RunbookOptions = {}): Record<string, Action> {
  const launcher = async () => opts.launcher ?? (await directory.topology()).one('ec2').name;
  const checker = async () => {
    if (opts.nlbChecker) return opts.nlbChecker;
    const found = (await directory.topology()).byRole('nlb-checker');
    if (!found) throw new Error('no NLB node of the lab says it runs the health checks (is the NLB up?)');
    return found.name;
  };
  const at = (service: () => Promise<string>, path: string, body: unknown) => async () => callService(directory, await service(), path, body);
  return {
    throttle: at(launcher, '/v1/operator/throttle', { enabled: true, launchesPerSecond: THROTTLED_LAUNCHES_PER_SECOND }),
    unthrottle: at(launcher, '/v1/operator/throttle', { enabled: false }),
    'restart-dwfm': at(launcher, '/v1/operator/restart-dwfm', {}),
    'failover-off': at(checker, '/v1/operator/failover', { enabled: false }),
    'failover-on': at(checker, '/v1/operator/failover', { enabled: true }),
  };
}

/** One line per action, for --help and error messages. */
export const RUNBOOK_HELP: Record<string, string> = {
  dns: 'restore every endpoint from the newest plan, overriding the enactors lock',
  throttle: `throttle launches to ${THROTTLED_LAUNCHES_PER_SECOND}/s (the rest fail with RequestLimitExceeded)`,
  unthrottle: 'lift the launch throttle',
  'restart-dwfm': "restart DWFM: clear its queues and re-establish the droplets' leases in batches",
  'failover-off': "disable the NLB's automatic health-check failover",
  'failover-on': "re-enable the NLB's automatic health-check failover",
};

