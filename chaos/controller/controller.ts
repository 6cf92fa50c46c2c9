// The controller's parts put together: the faults it holds, the timeline, the live stream, the runs it
// hosts, the emergency stop, and the HTTP app over them. main.ts reads the configuration and makes what
// touches the outside (Redis, Docker, the canary, the DNS control API); this only connects parts, so the
// app that tests and the browser tests drive (test/support/controller.ts) is the app the lab runs.
import type { Clock } from '../../lib/clock.js';
import { lookupA } from '../../lib/dns-client.js';
import { badRequest } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import type { LabApp } from '../../lib/http.js';
import type { Logger } from '../../lib/log.js';
import type { Registry } from '../../lib/metrics.js';
import { heldKind } from '../faults/catalogue.js';
import type { LabContainers } from '../faults/docker.js';
import type { ToxicLinks } from '../faults/fault.js';
import { HeldFaults, type FaultStore } from '../faults/held-faults.js';
import { listScenarios } from '../scenarios.js';
import { buildApp } from './app.js';
import { fixesStatus } from './fixes.js';
import { emergencyStop } from './emergency-stop.js';
import { insideLab, type InsideLab } from './lab-inside.js';
import { LiveFeed } from './live.js';
import { controllerLiveSources } from './live-sources.js';
import { ReportStore } from './reports.js';
import { ContainerLogs } from './container-logs.js';
import { GameManager } from '../gameday/game.js';
import { callService } from './runbook.js';
import type { LabClockKeeper } from './lab-clock.js';
import { RunManager, type RunManagerDeps, type Scenario } from './runs.js';
import type { ServiceDirectory } from './services.js';
import type { CanaryCounts } from './state.js';
import { directorySources, Timeline } from './timeline.js';

export interface ControllerSettings {
  timeline: { intervalMs: number; capacity: number; budgetMs: number };
  /** The name the timeline counts the addresses of (the kv endpoint). */
  kvName: string;
  live: { endpoints: string[]; probeTimeoutMs: number; windowMs: number; heartbeatMs: number; maxSubscribers: number; maxBufferedBytes: number };
  /** The lab's DNS server, which the timeline, the live stream and the runs ask. */
  dns: { host: string; port: number };
  reports: { dir: string; keep: number };
}

export interface ControllerInputs {
  settings: ControllerSettings;
  /** The controller's own API, for the runs it hosts (they reach the lab as the CLI does). */
  controllerUrl(): string;
  adminToken: string;
  log: Logger;
  registry: Registry;
  events: EventLog;
  clock: Clock;
  directory: ServiceDirectory;
  canary: { counts: CanaryCounts };
  repairs: Record<string, () => Promise<unknown>>;
  pingRedis(): Promise<unknown>;
  /** The lab's containers through the Docker API; null without the socket. */
  containers: LabContainers | null;
  faultStore?: FaultStore | null;
  /** The lab clock the controller keeps every timed service at (lab-clock.ts). */
  labClock: LabClockKeeper;
  scenarios?: () => Scenario[];
  /** The runner of the runs; tests give their own. */
  execute?: RunManagerDeps['execute'];
}

export interface Controller {
  app: LabApp;
  faults: HeldFaults;
  timeline: Timeline;
  live: LiveFeed;
  runs: RunManager;
  games: GameManager;
  lab: InsideLab;
  /** Starts sampling, the live stream and the fault leases' sweep (after undoing what a previous controller left). */
  start(): void;
  /** Undoes every fault it holds and stops everything it started, the app included. */
  stop(): Promise<void>;
}

export function createController(inputs: ControllerInputs): Controller {
  const { settings, directory, events, clock, log } = inputs;
  const lab = insideLab(directory, { controllerUrl: inputs.controllerUrl, dns: settings.dns, token: inputs.adminToken });
  const toxics: ToxicLinks = {
    links: async () => Object.values(await (await lab(settings.live.probeTimeoutMs * 4)).proxies()).map((p) => ({ name: p.name, protocol: p.protocol })),
    add: async (link, toxic) => void (await (await lab()).addToxic(link, toxic)),
    remove: async (link, name) => (await lab()).removeToxic(link, name),
  };
  const faults = new HeldFaults(
    clock,
    events,
    {
      containers: inputs.containers,
      toxics,
      callService: async (service, path, body) => {
        const known = (await directory.topology()).services;
        if (!known.some((s) => s.name === service)) throw badRequest(`no lab service ${JSON.stringify(service)}; known: ${known.map((s) => s.name).join(', ')}`);
        return callService(directory, service, path, body);
      },
    },
    heldKind,
    inputs.faultStore ?? null,
  );
  // The timeline asks with a budget below its interval, so one dead service never delays a sample.
  const budget = settings.timeline.budgetMs;
  const timeline = new Timeline(
    directorySources(directory, async () => (await lookupA(settings.kvName, settings.dns.port, settings.dns.host, budget)).addresses.length, () => inputs.canary.counts, budget),
    clock,
    { intervalMs: settings.timeline.intervalMs, capacity: settings.timeline.capacity, timeoutMs: budget },
  );
  const runs = new RunManager({
    clock,
    events,
    lab: () => lab(),
    labClock: inputs.labClock,
    reports: new ReportStore(settings.reports.dir, settings.reports.keep),
    scenarios: inputs.scenarios ?? listScenarios,
    fixes: async () => (await fixesStatus(directory)).fixes,
    execute: inputs.execute,
  });
  const games = new GameManager({
    clock,
    events,
    runs,
    scenarios: inputs.scenarios ?? listScenarios,
    repairs: inputs.repairs,
    setClock: async (clock) => void (await inputs.labClock.set(clock)),
    log,
    // Pages showing the facilitator's view without the admin token lose it when the game begins.
    onStart: () => live.closeUntrusted(),
  });
  const live = new LiveFeed(
    timeline,
    controllerLiveSources({ directory, faults, runs, lab, dns: settings.dns, infra: { redis: inputs.pingRedis } }),
    clock,
    { ...settings.live, registry: inputs.registry },
  );
  // The fault proxy's toxics added during a game (by anyone but the run) go into its record.
  live.onFrame((frame) => games.noteFaults(frame.faults, frame.t));
  const app = buildApp({
    canary: inputs.canary,
    directory,
    repairs: inputs.repairs,
    pingRedis: inputs.pingRedis,
    log,
    adminToken: inputs.adminToken,
    registry: inputs.registry,
    events,
    faults,
    links: toxics.links,
    timeline,
    live,
    runs,
    labClock: inputs.labClock,
    emergencyStop: () => emergencyStop({ runs, faults, lab: () => lab(settings.live.probeTimeoutMs * 4), events }),
    games,
    logs: new ContainerLogs(inputs.containers),
    dns: settings.dns,
  });
  let sweeping: Promise<void> | null = null;
  return {
    app,
    faults,
    timeline,
    live,
    runs,
    games,
    lab,
    start() {
      void inputs.labClock.start().catch((err: Error) => log.warn({ err: err.message }, 'could not start the lab clock'));
      timeline.start();
      live.start();
      sweeping ??= faults
        .recover()
        .then((n) => void (n && log.warn({ faults: n }, 'undid faults a previous controller left behind')))
        .catch((err: Error) => log.warn({ err: err.message }, 'could not recover held faults'))
        .then(() => faults.run());
    },
    async stop() {
      // On a clean stop nothing it holds may stay behind: undo every fault first.
      runs.abort('the controller is stopping');
      await runs.settled(5000);
      await faults.clear();
      faults.stop();
      await sweeping;
      await timeline.stop();
      await live.stop();
      await inputs.labClock.stop();
      await app.close();
    },
  };
}
