// A game day: a run of a shipped scenario hosted by the controller (runs.ts), played so that the
// responders, not the runner, take the operators' steps, plus the game's record: the team, the
// responders' token, everything they declared, suspected and did (with its time and who), the faults the
// facilitator added, the pauses; scored (score.ts) and written into the journal when the run ends.
//
//   facilitator ──POST /api/gameday──► GameManager ──runs.start({game})──► runner (operators' steps left)
//        │ pause/resume: schedule held, lab clock at 1h=1h           ▲ complete(journal): record + score
//        │ end: the method stops, steady state checked, rollbacks    │
//   responders ──declare / hypothesis / action (their token)──► entries ┘
//
// The responders' token is made here, given to the facilitator once, compared in constant time, and
// written nowhere: not in a log, an event, the journal or the page.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { conflict, LabError, notFound } from '../../lib/errors.js';
import type { EventLog, LabEvent } from '../../lib/events.js';
import { LabClock } from '../../lib/lab-clock.js';
import { Schedule } from '../experiments/schedule.js';
import { PHASES, type Experiment } from '../experiments/format.js';
import type { Journal } from '../experiments/runner.js';
import type { RunManager, Scenario } from '../controller/runs.js';
import type { LiveFault, RunInfo } from '../controller/contract.js';
import { DEFAULT_TEAM, GAME_CLOCK, type GameEntry, type GameFault, type GameInfo, type GameScore, type GameState, type RespondersGame, type ResponderAction } from './contract.js';
import { scoreGame } from './score.js';

/** The lab clock while the game is paused: the slowest the lab takes (real time), so the cascade all but stands still. */
export const PAUSED_CLOCK = '1h=1h';

/** Where the responders' page is. */
export const RESPONDERS_PATH = '/responders';

export interface GameDeps {
  clock: Clock;
  /** The controller's events: the game records the faults and runbook actions of the facilitator from them. */
  events: EventLog;
  runs: RunManager;
  scenarios(): Scenario[];
  /** The runbook the responders' actions take (the same as /api/repair's). */
  repairs: Record<string, () => Promise<unknown>>;
  /** Sets the lab clock (pause, resume). */
  setClock(clock: string): Promise<void>;
  /** The responders' token; random by default. */
  token?: () => string;
  /** A game begins: the room's screens opened without the admin token must stop showing its faults. */
  onStart?: () => void;
  /** The controller's log: what the game does (never its token). */
  log?: Pick<Logger, 'info' | 'warn'>;
}

interface Game {
  id: string;
  team: string;
  scenario: Scenario;
  clock: LabClock;
  token: Buffer;
  startedAt: number;
  state: GameState;
  schedule: Schedule;
  finish: AbortController;
  pauses: { start: number; end: number | null }[];
  entries: GameEntry[];
  /** Faults the facilitator added, ms epoch: the controller's by id, the fault proxy's toxics by link/name. */
  faults: Map<string, GameFault>;
  ending: string | null;
  score: GameScore | null;
  run: RunInfo | null;
  unsubscribe: () => void;
}

type Entry<K extends GameEntry['kind']> = Omit<Extract<GameEntry, { kind: K }>, 'id' | 'at' | 't' | 'role' | 'kind'>;

export class GameManager {
  private game: Game | null = null;
  private starting = false;
  private seq = 0;

  constructor(private readonly deps: GameDeps) {}

  /** A game goes on (running, paused, or ending): the facilitator's reads need the admin token. */
  get on(): boolean {
    return this.game !== null && this.game.state !== 'ended';
  }

  /** Whether `token` is this game's responders' token (in constant time). It stays valid after the game, to read the score. */
  isResponders(token: Buffer): boolean {
    const expected = this.game?.token;
    return expected !== undefined && token.length === expected.length && timingSafeEqual(token, expected);
  }

  async start(request: { scenario: string; clock?: string; team?: string; seed?: number }): Promise<{ game: GameInfo; token: string }> {
    if (this.on || this.starting) throw conflict(`a game is going (${this.game?.team ?? 'being started'}): end it first (POST /api/gameday/end, or cascade-lab gameday end)`);
    this.starting = true;
    try {
      const clock = request.clock ?? GAME_CLOCK;
      const token = (this.deps.token ?? (() => randomBytes(24).toString('base64url')))();
      const schedule = new Schedule(this.deps.clock);
      const finish = new AbortController();
      // A run may end before runs.start() returns (a lab that is not steady): the game is completed then.
      const pending: { game: Game | null; journal: Journal | null; info: RunInfo | null } = { game: null, journal: null, info: null };
      const run = await this.deps.runs.start({
        scenario: request.scenario,
        clock,
        seed: request.seed,
        game: {
          schedule,
          finish: finish.signal,
          complete: (journal) => (pending.game ? this.complete(pending.game, journal) : ((pending.journal = journal), journal)),
          ended: (info) => (pending.game ? (pending.game.run = info) : (pending.info = info)),
        },
      });
      const scenario = this.deps.scenarios().find((s) => s.name === request.scenario)!;
      const game: Game = {
        id: run.id,
        team: request.team ?? DEFAULT_TEAM,
        scenario,
        clock: LabClock.parse(clock),
        token: Buffer.from(token),
        startedAt: run.startedAt,
        state: 'running',
        schedule,
        finish,
        pauses: [],
        entries: [],
        faults: new Map(),
        ending: null,
        score: null,
        run: null,
        unsubscribe: this.deps.events.subscribe((e) => this.witness(game, e)),
      };
      this.game = pending.game = game;
      this.deps.onStart?.();
      this.deps.events.emit('game-started', { id: game.id, team: game.team, scenario: scenario.name, clock: game.clock.text });
      this.deps.log?.info({ id: game.id, team: game.team, scenario: scenario.name, clock: game.clock.text }, 'game day started');
      if (pending.journal) this.complete(game, pending.journal);
      if (pending.info) game.run = pending.info;
      return { game: this.info()!, token };
    } finally {
      this.starting = false;
    }
  }

  /** The game going on, or the last one (as the facilitator sees it). */
  info(): GameInfo | null {
    const g = this.game;
    if (!g) return null;
    return {
      id: g.id,
      team: g.team,
      scenario: g.scenario.name,
      clock: g.clock.text,
      state: g.state,
      startedAt: g.startedAt,
      elapsedMs: g.state === 'ended' ? (g.run?.elapsedMs ?? g.schedule.now()) : g.schedule.now(),
      pausable: g.state === 'running' && this.deps.runs.pausable(),
      pauses: g.pauses.map((p) => ({ start: p.start - g.startedAt, end: p.end === null ? null : p.end - g.startedAt })),
      entries: [...g.entries],
      faults: [...g.faults.values()].map((f) => ({ ...f, start: f.start - g.startedAt, end: f.end === null ? null : f.end - g.startedAt })),
      run: g.state === 'ended' ? g.run : this.deps.runs.current(),
      score: g.score,
      ending: g.ending,
    };
  }

  /** What the responders may know: no scenario, no fault, no phase; the score once it is over. */
  respondersInfo(): RespondersGame {
    const g = this.known();
    const ended = g.state === 'ended';
    return {
      team: g.team,
      state: g.state,
      startedAt: g.startedAt,
      elapsedMs: ended ? (g.run?.elapsedMs ?? g.schedule.now()) : g.schedule.now(),
      declared: g.entries.some((e) => e.kind === 'declare' && e.role === 'responder'),
      entries: g.entries.filter((e) => e.role === 'responder'),
      score: ended ? g.score : null,
      report: ended ? { html: `/api/runs/${g.id}/report.html`, journal: `/api/runs/${g.id}/journal.json`, review: `/api/runs/${g.id}/review.md` } : null,
    };
  }

  /** Words the responders must not see in an event: the scenario, its steps, the phases, the faults. */
  hiddenWords(): string[] {
    const g = this.game;
    if (!g || g.state === 'ended') return [];
    const e: Experiment = g.scenario.experiment;
    const steps = [...e['steady-state-hypothesis'].probes, ...e.method, ...e.rollbacks].map((a) => a.name);
    return [...new Set([g.scenario.name, e.title, ...PHASES, ...steps, ...[...g.faults.values()].map((f) => f.id)])].filter((w) => w.length >= 4);
  }

  declare(by: string, summary: string): GameEntry {
    const g = this.playing();
    const earlier = g.entries.find((e) => e.kind === 'declare' && e.role === 'responder');
    if (earlier) throw conflict(`the incident was declared already, by ${earlier.by}`);
    return this.record(g, 'declare', by, 'responder', { by, summary });
  }

  hypothesis(by: string, text: string, service: string | null): GameEntry {
    return this.record(this.playing(), 'hypothesis', by, 'responder', { by, text, service });
  }

  /** Takes a runbook action for the responders; the answer is journaled either way, a failure answered 502. */
  async action(by: string, action: ResponderAction): Promise<{ entry: GameEntry; result: unknown }> {
    const g = this.playing();
    const repair = this.deps.repairs[action];
    if (!repair) throw notFound(`this lab has no runbook action ${action}`);
    try {
      const result = await repair();
      return { entry: this.record(g, 'action', by, 'responder', { by, action, ok: true, result: brief(result) }), result };
    } catch (err) {
      const error = (err as Error).message;
      const entry = this.record(g, 'action', by, 'responder', { by, action, ok: false, error });
      throw new LabError('LAB_ERR_REPAIR_FAILED', 502, `${action} failed: ${error}`, { entry: entry.id });
    }
  }

  /** Holds the scenario's schedule and slows the lab to real time; 409 where the scenario does not allow it. */
  async pause(): Promise<GameInfo> {
    const g = this.current();
    if (g.state === 'paused') throw conflict('the game is paused already');
    if (g.state !== 'running') throw conflict(`the game is ${g.state}`);
    if (!this.deps.runs.pausable()) {
      throw conflict(`the scenario cannot be paused now (${this.deps.runs.current()?.activity ?? 'between steps'}): only while it waits for a step marked pausable, never during the trigger`);
    }
    await this.deps.setClock(PAUSED_CLOCK);
    g.schedule.pause();
    g.pauses.push({ start: this.deps.clock.now(), end: null });
    g.state = 'paused';
    this.deps.events.emit('game-paused', { id: g.id });
    this.deps.log?.info({ id: g.id }, 'game day paused');
    return this.info()!;
  }

  async resume(): Promise<GameInfo> {
    const g = this.current();
    if (g.state !== 'paused') throw conflict(`the game is not paused (${g.state})`);
    await this.deps.setClock(g.clock.text);
    this.unpause(g);
    g.state = 'running';
    this.deps.events.emit('game-resumed', { id: g.id });
    this.deps.log?.info({ id: g.id }, 'game day resumed');
    return this.info()!;
  }

  /** Ends the game: the run's method stops, the steady state is checked again, the rollbacks run, then the score. */
  async end(reason = 'by the facilitator'): Promise<GameInfo> {
    const g = this.current();
    if (g.state === 'ending') return this.info()!;
    if (g.state === 'paused') await this.resume();
    g.state = 'ending';
    g.ending = reason;
    g.finish.abort(reason);
    this.deps.events.emit('game-ending', { id: g.id, reason });
    return this.info()!;
  }

  /** The run is over: the game's record and score go into its journal. Never throws. */
  private complete(g: Game, journal: Journal): Journal {
    try {
      g.unsubscribe();
      if (g.state === 'paused') {
        this.unpause(g);
        // The run ended while paused (an emergency stop): the lab must not stay at real time.
        this.deps.setClock(g.clock.text).catch((err: Error) => this.deps.log?.warn({ err: err.message }, `the lab clock was left at ${PAUSED_CLOCK}`));
      }
      const t0 = Date.parse(journal.startedAt);
      const ran = journal.faults.map((f) => f.name);
      const entries = g.entries.map((e) => ({ ...e, t: e.at - t0 }));
      const pauses = g.pauses.map((p) => ({ start: p.start - t0, end: p.end === null ? null : p.end - t0 }));
      const faults = [...g.faults.values()].filter((f) => !ran.includes(f.id)).map((f) => ({ ...f, start: f.start - t0, end: f.end === null ? null : f.end - t0 }));
      g.ending ??= journal.status === 'aborted' ? `aborted: ${journal.reason ?? 'no reason given'}` : "when the scenario's schedule ran out";
      g.score = scoreGame({ journal, settings: g.scenario.experiment.game, entries, pauses });
      journal.game = { team: g.team, startedAt: g.startedAt, endedAt: this.deps.clock.now(), ending: g.ending, pauses, entries, faults, score: g.score };
    } catch (err) {
      journal.reason = `${journal.reason ? `${journal.reason}; ` : ''}the game could not be scored: ${(err as Error).message}`;
    }
    g.state = 'ended';
    this.deps.events.emit('game-ended', { id: g.id, ending: g.ending });
    this.deps.log?.info({ id: g.id, ending: g.ending, summary: g.score?.summary }, 'game day over');
    return journal;
  }

  /**
   * The fault proxy's toxics in place, from each live frame: those added during the game by anyone but
   * the run itself (the facilitator with `cascade-lab fault add`, a toxiproxy client), with when they
   * were first and last seen. The controller's own faults come from its events (witness), to the ms.
   */
  noteFaults(faults: LiveFault[], at: number): void {
    const g = this.game;
    if (!g || g.state === 'ended') return;
    const present = new Set<string>();
    for (const f of faults) {
      if (f.source !== 'fault-proxy' || f.holder?.startsWith('run-')) continue;
      const key = `toxic:${f.id}`;
      present.add(key);
      if (!g.faults.has(key) || g.faults.get(key)!.end !== null) g.faults.set(key, { id: f.id, kind: f.kind, target: f.target, params: f.params, start: at, end: null });
    }
    for (const [key, fault] of g.faults) if (key.startsWith('toxic:') && fault.end === null && !present.has(key)) fault.end = at;
  }

  /** The facilitator's faults and runbook actions, from the controller's own events, while the game goes on. */
  private witness(g: Game, e: LabEvent): void {
    if (g.state === 'ended') return;
    const d = e.data as Record<string, unknown>;
    if (e.type === 'fault-injected' && typeof d.id === 'string') {
      g.faults.set(d.id, { id: d.id, kind: String(d.kind), target: String(d.target), params: (d.params as Record<string, unknown>) ?? {}, start: e.time, end: null });
    } else if ((e.type === 'fault-undone' || e.type === 'fault-dropped') && typeof d.id === 'string') {
      const fault = g.faults.get(d.id);
      if (fault && fault.end === null) fault.end = e.time;
    } else if (e.type === 'repair' && typeof d.action === 'string') {
      this.record(g, 'action', 'the facilitator', 'facilitator', { by: 'the facilitator', action: d.action, ok: true, result: brief(d.result) });
    }
  }

  private record<K extends GameEntry['kind']>(g: Game, kind: K, by: string, role: GameEntry['role'], fields: Entry<K>): GameEntry {
    const at = this.deps.clock.now();
    const entry = { id: `entry-${++this.seq}`, at, t: at - g.startedAt, role, kind, ...fields, by } as unknown as GameEntry;
    g.entries.push(entry);
    // The controller's own event (the facilitator's stream shows it; the responders never see the controller's events).
    if (role === 'responder') {
      this.deps.events.emit(`game-${kind}`, { id: g.id, entry: entry.id, by });
      this.deps.log?.info({ id: g.id, entry: entry.id, kind, by }, 'game day: the responders');
    }
    return entry;
  }

  private unpause(g: Game): void {
    g.schedule.resume();
    const open = g.pauses.at(-1);
    if (open && open.end === null) open.end = this.deps.clock.now();
  }

  private known(): Game {
    if (!this.game) throw notFound('no game day on this controller (the facilitator starts one: POST /api/gameday)');
    return this.game;
  }

  /** The game going on; 404 without one, 409 once it is over. */
  private current(): Game {
    const g = this.known();
    if (g.state === 'ended') throw conflict(`the game is over (${g.ending ?? 'ended'})`);
    return g;
  }

  /** The game going on, and not paused: what the responders' declarations and actions need. */
  private playing(): Game {
    const g = this.current();
    if (g.state === 'paused') throw conflict('the game is paused: the facilitator resumes it');
    if (g.state === 'ending') throw conflict('the game is ending');
    return g;
  }
}

/** A short text of what a runbook action answered, for the journal. */
function brief(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
