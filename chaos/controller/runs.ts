// The runs the controller hosts, so the dashboard can start and stop scenarios: POST /api/runs runs a
// shipped scenario with the CLI's own runner (chaos/experiments/runner.ts) and a LabClient that reaches
// the lab from inside the controller (lab-inside.ts). One run at a time. Stopping a run runs its
// rollbacks; an emergency stop aborts it without waiting for them. Finished runs are kept in REPORTS_DIR
// (reports.ts): journal.json and report.html, as `cascade-lab run` writes them. A game day
// (chaos/gameday/game.ts) is a run played with a GameRun: its record goes into the journal at the end.
import type { Clock } from '../../lib/clock.js';
import { withDeadline } from '../../lib/deadline.js';
import { badRequest, conflict, notFound } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import type { Experiment } from '../experiments/format.js';
import { runExperiment, type GameRun, type Journal, type LiveRun } from '../experiments/runner.js';
import type { LabClient } from '../lab-client.js';
import { expectedDurationMs } from '../progress.js';
import type { RunInfo } from './contract.js';
import type { ReportFile, ReportStore } from './reports.js';
import type { LabClockKeeper } from './lab-clock.js';

export interface Scenario {
  name: string;
  experiment: Experiment;
}

export interface RunRequest {
  scenario: string;
  seed?: number;
  clock?: string;
  /** Play it as a game day (never from a request's body: the game day's own API starts one). */
  game?: RunGame;
}

/** A game day's side of a run: the runner's GameRun, and the game's record added to the journal at the end. */
export interface RunGame extends GameRun {
  /** The finished journal with the game's record in it, before the report is written; must not throw. */
  complete(journal: Journal): Journal;
  /** The run as it finished, once its report is kept. */
  ended(info: RunInfo): void;
}

export interface RunManagerDeps {
  clock: Clock;
  events: EventLog;
  /** A client of the lab from inside the controller. */
  lab(): Promise<LabClient>;
  /** The lab clock (chaos/controller/lab-clock.ts): runs play at it, and one that names a clock sets it first. */
  labClock: Pick<LabClockKeeper, 'clock' | 'set'>;
  reports: ReportStore;
  /** The scenarios that ship with the lab (chaos/scenarios.ts); a run names one of them, never a file. */
  scenarios(): Scenario[];
  /** The fixes the lab runs with, for the journal. */
  fixes(lab: LabClient): Promise<string[]>;
  /** The runner; tests give their own. */
  execute?: typeof runExperiment;
  /** A seed for a run that names none. */
  seed?: () => number;
}

/** Progress lines of a run kept for the page. */
const LINES_KEPT = 12;

interface ActiveRun {
  info: RunInfo;
  game: RunGame | null;
  live: LiveRun | null;
  lines: string[];
  aborter: AbortController;
  stopping: boolean;
  done: Promise<RunInfo>;
}

export class RunManager {
  private active: ActiveRun | null = null;
  private starting = false;
  private last: RunInfo | null = null;

  constructor(private readonly deps: RunManagerDeps) {}

  /** The scenarios a run may name, with how long each can take. */
  catalogue() {
    return this.deps.scenarios().map((s) => ({
      name: s.name,
      title: s.experiment.title,
      description: s.experiment.description.replace(/\s+/g, ' ').trim(),
      expectedMs: expectedDurationMs(s.experiment, this.deps.labClock.clock),
      phases: s.experiment.phases,
    }));
  }

  /** Starts a run; 409 while one goes on, 400 for an unknown scenario or a clock the lab refuses. */
  async start(request: RunRequest): Promise<RunInfo> {
    if (this.active || this.starting) {
      const going = this.active ? `${this.active.info.id}` : 'one being started';
      throw conflict(`a run is going (${going}): stop it first (DELETE /api/runs/current, or cascade-lab stop)`);
    }
    const scenarios = this.deps.scenarios();
    const scenario = scenarios.find((s) => s.name === request.scenario);
    if (!scenario) throw badRequest(`unknown scenario ${JSON.stringify(request.scenario)}; known: ${scenarios.map((s) => s.name).join(', ')}`);
    this.starting = true;
    try {
      if (request.clock !== undefined) await this.deps.labClock.set(request.clock);
      const lab = await this.deps.lab();
      const fixes = await this.deps.fixes(lab).catch(() => []);
      return this.launch(scenario, lab, fixes, request);
    } finally {
      this.starting = false;
    }
  }

  private launch(scenario: Scenario, lab: LabClient, fixes: string[], request: RunRequest): RunInfo {
    const { clock, events } = this.deps;
    const seed = request.seed ?? (this.deps.seed ?? (() => Math.floor(Math.random() * 2 ** 31)))();
    const startedAt = clock.now();
    const labClock = this.deps.labClock.clock;
    const id = `${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}-${scenario.name}-${seed}`;
    // `done` is the runner's promise, made just below: it needs the run's signal and progress sinks.
    const run = {
      info: {
        id,
        scenario: scenario.name,
        title: scenario.experiment.title,
        seed,
        clock: labClock.text,
        fixes,
        state: 'running',
        startedAt,
        elapsedMs: 0,
        expectedMs: expectedDurationMs(scenario.experiment, labClock),
        activity: null,
        phases: [],
        faults: 0,
        lines: [],
      },
      game: request.game ?? null,
      live: null,
      lines: [],
      aborter: new AbortController(),
      stopping: false,
    } as Omit<ActiveRun, 'done'> as ActiveRun;
    const execute = this.deps.execute ?? runExperiment;
    run.done = execute(scenario.experiment, {
      scenario: scenario.name,
      seed,
      fixes,
      lab,
      clock,
      labClock,
      signal: run.aborter.signal,
      progress: (line) => {
        run.lines.push(line.trim());
        if (run.lines.length > LINES_KEPT) run.lines.splice(0, run.lines.length - LINES_KEPT);
      },
      observe: (live) => (run.live = live),
      ...(request.game ? { game: { schedule: request.game.schedule, finish: request.game.finish } } : {}),
    }).then(
      (journal) => this.finish(run, journal),
      (err: Error) => this.finish(run, failedJournal(run.info, scenario.experiment, clock.now(), err)),
    );
    this.active = run;
    events.emit('run-started', { id, scenario: scenario.name, seed, clock: run.info.clock });
    return this.current()!;
  }

  private finish(run: ActiveRun, ran: Journal): RunInfo {
    const journal = run.game ? run.game.complete(ran) : ran;
    const info: RunInfo = {
      ...run.info,
      state: journal.status,
      elapsedMs: journal.durationMs,
      activity: null,
      phases: journal.phases,
      faults: 0,
      lines: [...run.lines],
      ...(journal.reason ? { reason: journal.reason } : {}),
    };
    try {
      this.deps.reports.save(info, journal);
    } catch (err) {
      info.reason = `${info.reason ? `${info.reason}; ` : ''}its report could not be written: ${(err as Error).message}`;
    }
    this.last = info;
    if (this.active === run) this.active = null;
    run.game?.ended(info);
    this.deps.events.emit('run-finished', { id: info.id, status: info.state, ...(info.reason ? { reason: info.reason } : {}) });
    return info;
  }

  /** The run going on, with its progress; null when none is. */
  current(): RunInfo | null {
    const run = this.active;
    if (!run) return null;
    const live = run.live;
    const going = new Set(live?.phases() ?? []);
    const phases = (live?.detected() ?? []).map((p, i, all) => (going.has(p.name) && !all.slice(i + 1).some((q) => q.name === p.name) ? { ...p, ongoing: true } : p));
    return {
      ...run.info,
      state: run.stopping ? 'stopping' : 'running',
      elapsedMs: live ? live.elapsed() : this.deps.clock.now() - run.info.startedAt,
      activity: live?.activity() ?? null,
      phases,
      faults: live?.activeFaults() ?? 0,
      lines: [...run.lines],
    };
  }

  /** The run's step going on is marked pausable (a game day's facilitator may pause now). */
  pausable(): boolean {
    return this.active?.live?.pausable?.() ?? false;
  }

  /** The run going on, or else the last one to finish (since the controller started). */
  latest(): RunInfo | null {
    return this.current() ?? this.last;
  }

  /** The runs kept in REPORTS_DIR, newest first. */
  finished(): RunInfo[] {
    return this.deps.reports.list();
  }

  /** A file of a kept run, or null. */
  reportFile(id: string, file: ReportFile): string | null {
    return this.deps.reports.file(id, file);
  }

  /** Stops the run: its method ends, its rollbacks run, its journal is written. 404 when none goes on. */
  async stop(reason = 'stopped by the facilitator'): Promise<RunInfo> {
    const run = this.active;
    if (!run) throw notFound('no run is going (POST /api/runs starts one)');
    this.interrupt(run, reason);
    return run.done;
  }

  /** Aborts the run without waiting for it (the emergency stop); its id, or null when none goes on. */
  abort(reason: string): string | null {
    const run = this.active;
    if (!run) return null;
    this.interrupt(run, reason);
    return run.info.id;
  }

  /** Resolves once no run goes on, or after `ms` (real time). */
  async settled(ms: number): Promise<void> {
    if (this.active) await withDeadline(this.active.done, ms).catch(() => undefined);
  }

  private interrupt(run: ActiveRun, reason: string): void {
    if (run.stopping) return;
    run.stopping = true;
    this.deps.events.emit('run-stopping', { id: run.info.id, reason });
    run.aborter.abort(reason);
  }
}


/** The journal of a run that could not even begin (the fault proxy down when it took its lease, say). */
function failedJournal(info: RunInfo, experiment: Experiment, now: number, err: Error): Journal {
  return {
    scenario: info.scenario,
    title: experiment.title,
    description: experiment.description,
    seed: info.seed,
    fixes: info.fixes,
    clock: info.clock,
    configuration: {},
    status: 'aborted',
    reason: `the run failed: ${err.message}`,
    startedAt: new Date(info.startedAt).toISOString(),
    durationMs: now - info.startedAt,
    phases: [],
    faults: [],
    customer: { requests: 0, successes: 0, successRate: null, errors: {} },
    hypothesis: { title: experiment['steady-state-hypothesis'].title, before: null, after: null },
    activities: [],
    timeline: [],
  };
}
