// Bringing the lab up and down with a set of fixes, and waiting until every service is really ready.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Compose, FIX_ENV, FIXES, type Fix } from './compose.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { defaultLabClock, LabClock } from '../lib/lab-clock.js';
import { scenarioTiming, type ScenarioTiming } from '../lib/timing.js';
import { LabClient, type LabStatus } from './lab-client.js';
import type { LauncherState } from '../services/launcher/state.js';
import type { NlbState } from '../services/nlb/state.js';
import { FLAPPING_MIN_EVENTS, flappingEventCount } from './experiments/phases.js';

const run = promisify(execFile);

export function fixEnv(fixes: Fix[]): Record<string, string> {
  return Object.fromEntries(FIXES.map((f) => [FIX_ENV[f], fixes.includes(f) ? 'true' : 'false']));
}

/** Builds the air-gapped base images (no registry needed) and returns NODE_IMAGE/REDIS_IMAGE. */
export async function airgapImages(root: string): Promise<Record<string, string>> {
  const { stdout } = await run('bash', [`${root}/compose/airgap/build-images.sh`], { maxBuffer: 64 * 1024 * 1024 });
  return Object.fromEntries(
    stdout
      .split('\n')
      .map((l) => /^(NODE_IMAGE|REDIS_IMAGE)=(.+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
}

export async function waitReady(lab: LabClient, timeoutMs: number, say: (l: string) => void): Promise<LabStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const status = await lab.status();
      const waiting = status.services.filter((s) => !s.ready).map((s) => s.name);
      const served = (status.dns?.aliases ?? []).some((a) => a.name.startsWith('kv.') && a.addresses > 0);
      if (waiting.length === 0 && served) return status;
      const line = waiting.length ? `waiting for ${waiting.join(', ')}` : 'waiting for the first DNS plan to be applied';
      if (line !== last) say(line);
      last = line;
    } catch {
      if (last !== 'controller') say('waiting for the controller');
      last = 'controller';
    }
    if (Date.now() > deadline) throw new Error(`the lab was not ready within ${timeoutMs / 1000} s (${last})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function labUp(opts: { fixes: Fix[]; clock?: LabClock; airgap: boolean; wait: boolean; say: (l: string) => void; timeoutMs?: number }): Promise<void> {
  const compose = new Compose();
  // The clock goes through the controller once the lab is ready, never through compose: a new LAB_CLOCK
  // would make compose recreate the running services one by one, and the kv store's restart alone is an
  // outage DWFM collapses after (as it should).
  let env: Record<string, string> = fixEnv(opts.fixes);
  if (opts.airgap) {
    opts.say('building base images without a registry (compose/airgap/build-images.sh)');
    env = { ...env, ...(await airgapImages(compose.root)) };
  }
  // Every lab service runs the same image: build it once (compose v1 would build it once per service).
  opts.say('building the lab image');
  await compose.exec(['build', 'dns-server'], { env, quiet: !process.stdout.isTTY });
  opts.say(`starting the lab (fixes: ${opts.fixes.join(', ') || 'none'}${opts.clock ? `, clock ${opts.clock.text}` : ''})`);
  await compose.exec(['up', '-d', '--no-build', '--remove-orphans'], { env, quiet: !process.stdout.isTTY });
  if (!opts.wait) return;
  const lab = new LabClient();
  const readyBy = Date.now() + (opts.timeoutMs ?? 240_000);
  await waitReady(lab, readyBy - Date.now(), opts.say);
  // The controller keeps the clock it was last given (in Redis, across restarts): this one wins. And a
  // run may have switched fixes on containers compose left running: these are the lab's now.
  const clock = opts.clock ? LabClock.parse((await lab.setLabClock(opts.clock.text)).clock) : await labClockOf(lab);
  await lab.setFixes(opts.fixes);
  await waitSettled(lab, opts.timeoutMs ?? settleTimeoutMs(clock), opts.say, systemClock, clock);
}

/**
 * How long a wait for a fresh lab to come to rest allows by default: two minutes, plus 8 AWS hours of lab
 * time. A fresh lab configures every instance at once and its health checks flap until that is done and
 * the checker has caught up: at 1h=60s on 7 December 2026 that took about 6 AWS hours (6 minutes), where
 * the 3 hours and two minutes allowed before (5 minutes) ran out.
 */
export function settleTimeoutMs(clock: LabClock): number {
  return 120_000 + clock.hours(8);
}

/**
 * Why the fleet is still settling, or null when it is at rest. The fleet always churns (instances age out
 * and are replaced), so at rest is not "nothing pending" but: every droplet leased, every fleet at its size,
 * no configuration waiting a quarter of the propagation-backlog detector's threshold (longer, and new
 * targets fail their checks and flap), the NLB serving from every AZ with at least 90 % of its targets in
 * service, and its health checks quiet: the last round changed fewer than FLAPPING_MIN_EVENTS states and
 * no check in it ran late. (A fresh lab brings every instance into service before its first
 * configuration; their flaps cost the checker so much work that whole rounds run late, which takes every
 * target out and brings it back, for a minute or so. Between two such rounds 90 % are in service.)
 * A lab without a launcher (an older one) is at rest at once.
 */
export function unsettled(launcher: LauncherState | null, checker: NlbState | null, timing: Pick<ScenarioTiming, 'backlogWaitMs'> = scenarioTiming(defaultLabClock())): string | null {
  if (!launcher) return null;
  const { dwfm, network } = launcher;
  const missing = Object.values(launcher.autoscaling?.missing ?? {}).reduce((a, b) => a + b, 0);
  if (dwfm.leasedFraction < 1) return 'DWFM leasing its droplets';
  if (missing > 0) return 'instances launching';
  if (network.latencyMs.oldestWaitingMs >= timing.backlogWaitMs / 4) return "the network manager's backlog";
  if (checker?.isChecker) {
    const azs = Object.values(checker.targetsByAz);
    const total = azs.reduce((n, az) => n + az.total, 0);
    const inService = azs.reduce((n, az) => n + az.inService, 0);
    if (total === 0 || inService < SETTLED_IN_SERVICE * total) return `the NLB bringing targets into service (${inService} of ${total})`;
    const out = Object.keys(checker.targetsByAz).filter((az) => !(az in checker.dnsWeights));
    if (out.length > 0) return `the NLB returning ${out.join(', ')} to DNS`;
    const round = checker.lastRound;
    if (round && (round.lateChecks > 0 || round.stateChanges >= FLAPPING_MIN_EVENTS)) return CHECKS_NOT_QUIET;
  }
  return null;
}

/** The share of the NLB's targets in service at rest: replacements come and go. */
const SETTLED_IN_SERVICE = 0.9;

/** How long `up` waits for DWFM to lease every droplet before saying it needs an operator. */
export const DWFM_SETTLE_MS = 60_000;

const CHECKS_NOT_QUIET = "the NLB's health checks to quieten";

/** How a wait for the fleet at rest ended: at rest, or DWFM still short of its leases, and what to do. */
export type SettleOutcome = { settled: true } | { settled: false; reason: string };

/**
 * Waits until unsettled() says the fleet is at rest on every sample (2 s apart) through one window of the
 * nlb-flapping detector, at least two samples, and the health checks flapped, ran late or failed over
 * fewer than FLAPPING_MIN_EVENTS times in it: a run started then finds no phase it did not cause. DWFM is
 * the exception: after a kv outage (a dns-race run, say) it can be in congestive collapse, which by design
 * only an operator ends, so after DWFM_SETTLE_MS of it the wait ends, says what to do, and returns
 * `settled: false` with that reason (`cascade-lab up` declares the lab up with the warning; the test
 * fixture throws it).
 */
export async function waitSettled(
  lab: Pick<LabClient, 'stateOrNull' | 'checkerState'>,
  timeoutMs: number,
  say: (l: string) => void,
  clock: Pick<Clock, 'now' | 'sleep'> = systemClock,
  labClock: LabClock = defaultLabClock(),
): Promise<SettleOutcome> {
  const timing = scenarioTiming(labClock);
  const start = clock.now();
  let last = '';
  let rest: { since: number; events: number | null; samples: number } | null = null;
  let dwfmSince: number | null = null;
  for (;;) {
    const launcher = await lab.stateOrNull('ec2');
    const checker = await lab.checkerState();
    const events = checker ? flappingEventCount(checker) : null;
    const now = clock.now();
    let reason = unsettled(launcher, checker, timing);
    if (reason === null && rest && rest.events !== null && events !== null && events - rest.events >= FLAPPING_MIN_EVENTS) {
      reason = CHECKS_NOT_QUIET;
    }
    if (reason !== null) rest = null;
    else {
      rest ??= { since: now, events, samples: 0 };
      rest.samples++;
      if (rest.samples >= 2 && now - rest.since >= timing.flappingWindowMs) return { settled: true };
    }
    if (reason && reason !== last) say(`waiting for ${reason}`);
    last = reason ?? last;
    dwfmSince = reason?.startsWith('DWFM') ? (dwfmSince ?? now) : null;
    if (dwfmSince !== null && now - dwfmSince >= DWFM_SETTLE_MS) {
      const dwfm = launcher?.dwfm;
      // Its queue and last error tell a congestive collapse (a deep queue, items timing out) from a kv store
      // it cannot reach at all (an empty kv endpoint: the error names the lookup).
      const seen = dwfm ? ` (its queue ${dwfm.queue.depth} deep, last error: ${dwfm.lastError ?? 'none'})` : '';
      const reason =
        `DWFM holds leases on ${dwfm?.leased ?? '?'} of ${dwfm?.droplets ?? '?'} droplets after ${DWFM_SETTLE_MS / 1000} s${seen}: after a kv ` +
        'outage it can be in congestive collapse, which only an operator ends (cascade-lab repair throttle, then repair restart-dwfm, then repair unthrottle)';
      say(reason);
      return { settled: false, reason };
    }
    if (now - start > timeoutMs) throw new Error(`the lab did not settle within ${Math.round(timeoutMs / 1000)} s (${last})`);
    await clock.sleep(2000);
  }
}

/** The clock the lab runs at, as its controller says; the default for a controller without a clock. */
export async function labClockOf(lab: Pick<LabClient, 'labClock'>): Promise<LabClock> {
  const status = await lab.labClock().catch(() => null);
  return status ? LabClock.parse(status.clock) : defaultLabClock();
}
