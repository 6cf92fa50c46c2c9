// What a game day adds to report.html once it is over: the faults revealed (the scenario's and those the
// facilitator added mid-game), the responders' declarations, hypotheses and actions on the charts' time
// axis (lanes under the phases, lines across the charts), and the score beside AWS's operators. Every
// text a responder typed goes through esc(): it is shown, never run.
import type { Journal } from '../experiments/runner.js';
import type { GameEntry, GameJournal, Verdict } from '../gameday/contract.js';
import { awsTime, gameMoments, labTime } from '../gameday/score.js';
import { esc, type Band, type LaneRow } from './svg-chart.js';

const VERDICT_COLORS: Record<Verdict, string> = { needed: '#188038', 'not-needed': '#e37400', 'too-early': '#e37400', failed: '#5f6368', unknown: '#80868b' };
const KIND_COLORS = { declare: '#d93025', hypothesis: '#1a73e8', fault: '#fbbc04', pause: '#9aa0a6' };

type Game = GameJournal;

/** What an entry says, in a few words. */
export function entryText(e: GameEntry): string {
  if (e.kind === 'declare') return `declared the incident: ${e.summary}`;
  if (e.kind === 'hypothesis') return `hypothesis: ${e.text}${e.service ? ` (suspects ${e.service})` : ''}`;
  return `${e.action}${e.ok ? '' : ` (failed: ${e.error ?? 'no answer'})`}`;
}

const verdictOf = (game: Game, e: GameEntry) => game.score.actions.find((a) => a.entry === e.id);

/** Lines across the charts where the responders declared, named the root cause, or acted. */
export function gameBands(journal: Journal): Band[] {
  const game = journal.game;
  if (!game) return [];
  return game.entries
    .filter((e) => e.role === 'responder')
    .map((e): Band => {
      const color = e.kind === 'action' ? VERDICT_COLORS[verdictOf(game, e)?.verdict ?? 'unknown'] : KIND_COLORS[e.kind];
      return { kind: 'mark', start: e.t, end: e.t, color, label: `${labTime(e.t)}: ${e.by}: ${entryText(e)}` };
    });
}

/** Lanes under the phases: the facilitator's faults and pauses, and what the responders said and did. */
export function gameLanes(journal: Journal): LaneRow[] {
  const game = journal.game;
  if (!game) return [];
  const end = journal.durationMs;
  const tick = Math.max(1, end / 150);
  const said = game.entries.filter((e): e is Exclude<GameEntry, { kind: 'action' }> => e.role === 'responder' && e.kind !== 'action');
  const acted = (role: GameEntry['role']) => game.entries.filter((e): e is Extract<GameEntry, { kind: 'action' }> => e.role === role && e.kind === 'action');
  const rows: LaneRow[] = [
    {
      label: 'responders: said',
      bars: said.map((e) => ({
        start: e.t,
        end: e.t + tick,
        label: e.kind === 'declare' ? 'declared' : game.score.rootCause?.entry === e.id ? 'root cause' : 'hypothesis',
        color: e.kind === 'hypothesis' && game.score.rootCause?.entry === e.id ? '#188038' : KIND_COLORS[e.kind],
        title: `${labTime(e.t)} ${e.by}: ${entryText(e)}`,
      })),
    },
    {
      label: 'responders: acted',
      bars: acted('responder').map((e) => {
        const verdict = verdictOf(game, e);
        return { start: e.t, end: e.t + tick, label: e.action, color: VERDICT_COLORS[verdict?.verdict ?? 'unknown'], title: `${labTime(e.t)} ${e.by}: ${entryText(e)}${verdict ? ` (${verdict.verdict}: ${verdict.why})` : ''}` };
      }),
    },
  ];
  const facilitator = acted('facilitator');
  if (game.faults.length || facilitator.length || game.pauses.length) {
    rows.push({
      label: 'facilitator',
      bars: [
        ...game.faults.map((f) => ({ start: f.start, end: f.end ?? end, label: `${f.kind} ${f.target}`, color: KIND_COLORS.fault, title: `added mid-game: ${f.kind} on ${f.target} ${JSON.stringify(f.params)}` })),
        ...game.pauses.map((p) => ({ start: p.start, end: p.end ?? end, label: 'paused', color: KIND_COLORS.pause, title: `game paused ${labTime(p.start)}–${labTime(p.end ?? end)}` })),
        ...facilitator.map((e) => ({ start: e.t, end: e.t + tick, label: e.action, color: '#5f6368', title: `the facilitator took ${entryText(e)}` })),
      ],
    });
  }
  return rows;
}

/** The score, the team's actions and words, and the faults revealed, for the report's body. */
export function gameSection(journal: Journal): string {
  const game = journal.game;
  if (!game) return '';
  const { score } = game;
  const moment = gameMoments(journal.clock, score.triggerAt, game.pauses, journal.durationMs);
  const when = (t: number) => {
    const m = moment(t);
    return `${awsTime(m.awsHours)} <span class="note">(${labTime(m.sinceTrigger)} lab)</span>`;
  };
  const milestones = score.milestones
    .map((m) => `<tr><td>${esc(m.label)}</td><td>${awsTime(m.awsHours)}</td><td>${m.team ? when(m.team.t) : 'not done'}</td><td>${esc(m.by ?? '')}</td><td>${esc(m.sentence)}</td></tr>`)
    .join('');
  const entries = game.entries
    .map((e) => {
      const verdict = e.kind === 'action' ? verdictOf(game, e) : undefined;
      const judged = verdict ? `<b style="color:${VERDICT_COLORS[verdict.verdict]}">${esc(verdict.verdict)}</b>: ${esc(verdict.why)}` : e.kind === 'hypothesis' && score.rootCause?.entry === e.id ? '<b style="color:#188038">names the root cause</b>' : '';
      return `<tr class="entry entry-${e.kind}" data-role="${e.role}"><td>${when(e.t)}</td><td>${esc(e.by)}${e.role === 'facilitator' ? ' (facilitator)' : ''}</td><td>${esc(entryText(e))}</td><td>${judged}</td></tr>`;
    })
    .join('');
  const faults = [
    ...journal.faults.map((f) => ({ by: 'the scenario', what: `${f.kind} ${f.name} on ${f.target}`, spec: f.spec, start: f.start, end: f.end })),
    ...game.faults.map((f) => ({ by: 'the facilitator', what: `${f.kind} on ${f.target}`, spec: f.params, start: f.start, end: f.end })),
  ]
    .sort((a, b) => a.start - b.start)
    .map((f) => `<tr><td>${when(f.start)}</td><td>${f.end === null ? 'until the end' : when(f.end)}</td><td>${esc(f.by)}</td><td>${esc(f.what)}</td><td><code>${esc(JSON.stringify(f.spec))}</code></td></tr>`)
    .join('');
  const paused = game.pauses.length ? ` Paused ${game.pauses.length} time${game.pauses.length === 1 ? '' : 's'} (${game.pauses.map((p) => `${labTime(p.start)}–${labTime(p.end ?? journal.durationMs)}`).join(', ')} into the run); pauses do not count.` : '';
  return `<h2 id="game">Game day: ${esc(game.team)}</h2>
<p>Played at ${esc(journal.clock)}; it ended ${esc(game.ending)}. Times are AWS hours after the trigger fired (${esc(labTime(score.triggerAt))} into the run), as on 20 October, with the lab time in brackets.${esc(paused)}</p>
<ul class="score">${score.summary.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>
<h3>Beside AWS's operators</h3>
<table class="milestones"><tr><th>milestone</th><th>AWS</th><th>your team</th><th>by</th><th></th></tr>${milestones}</table>
<h3>What the responders said and did</h3>
<table class="entries"><tr><th>when</th><th>who</th><th>what</th><th>judged</th></tr>${entries || '<tr><td colspan="4">nothing</td></tr>'}</table>
<h3>The faults, revealed</h3>
<table class="revealed"><tr><th>from</th><th>to</th><th>injected by</th><th>fault</th><th>parameters</th></tr>${faults || '<tr><td colspan="5">none</td></tr>'}</table>`;
}
