// The facilitator's game-day controls in the drawer: start a game (scenario, clock, team), hand the
// responders their page and token (shown once, in a password field whose value never becomes markup),
// follow what they declare, suspect and do, pause and resume where the scenario allows it, end the game,
// and read the score with the report and the review draft. Every button is the same API as
// `cascade-lab gameday`.
import { api } from './api.js';
import { clock, h, replace } from './dom.js';

const STATE_TEXT = { running: 'running', paused: 'paused', ending: 'ending: checking the steady state, running the rollbacks', ended: 'over' };

/** One entry of the game as a line: when, who, what. */
export function entryLine(e) {
  const what = e.kind === 'declare' ? `declared the incident: ${e.summary}` : e.kind === 'hypothesis' ? `hypothesis: ${e.text}${e.service ? ` (suspects ${e.service})` : ''}` : `${e.action}${e.ok ? '' : ` (failed: ${e.error ?? 'no answer'})`}`;
  return h('li', { 'data-kind': e.kind, 'data-role': e.role }, h('time', {}, clock(e.t)), h('span', { class: 'who' }, e.role === 'facilitator' ? `${e.by} (facilitator)` : e.by), h('span', { class: 'what' }, what));
}

/** The score once the game is over, with the report, the journal and the review draft. */
export function scoreBlock(score, report) {
  return h(
    'div',
    { class: 'score' },
    h('ul', {}, score.summary.map((line) => h('li', {}, line))),
    report ? h('p', { class: 'links' }, ['report.html', 'review.md', 'journal.json'].map((name, i) => h('a', { href: [report.html, report.review, report.journal][i], target: '_blank', rel: 'noopener', 'data-file': name }, name))) : null,
  );
}

export class GameControls {
  /** `act(what, call, done)` is the drawer's: it shows the outcome line and reloads. */
  constructor(act) {
    this.act = act;
    /** Refreshes asked for, and the newest whose answer the page shows (see refresh). */
    this.asked = 0;
    this.answered = 0;
    this.scenario = h('select', { id: 'game-scenario', name: 'scenario' });
    this.clock = h('input', { id: 'game-clock', name: 'clock', type: 'text', value: '1h=60s', autocomplete: 'off' });
    this.team = h('input', { id: 'game-team', name: 'team', type: 'text', placeholder: 'the responders', autocomplete: 'off' });
    const form = h(
      'form',
      { id: 'game-form', novalidate: 'novalidate' },
      h('label', { for: 'game-scenario' }, 'Scenario'),
      this.scenario,
      h('label', { for: 'game-clock' }, 'Lab clock'),
      this.clock,
      h('label', { for: 'game-team' }, 'Team'),
      this.team,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'start-game' }, 'Start the game')),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { scenario: this.scenario.value, clock: this.clock.value.trim() || '1h=60s' };
      if (this.team.value.trim()) body.team = this.team.value.trim();
      void this.act(`start a game day on ${body.scenario}`, () => api('POST', '/api/gameday', body), (started) => {
        this.handOver(started.responders, started.game.id);
        this.showOutcome(started.game);
        return `${started.game.team} plays ${started.game.scenario} at ${started.game.clock}`;
      });
    });

    // The token sits in a password field's value (a property, never an attribute): not in the page's markup.
    this.token = h('input', { id: 'shown-responders-token', type: 'password', readonly: 'readonly', autocomplete: 'off', spellcheck: 'false' });
    this.url = h('code', { id: 'responders-url' });
    const reveal = h('button', { type: 'button', id: 'reveal-token' }, 'Show');
    reveal.addEventListener('click', () => {
      this.token.type = this.token.type === 'password' ? 'text' : 'password';
      reveal.textContent = this.token.type === 'password' ? 'Show' : 'Hide';
    });
    const copy = h('button', { type: 'button', id: 'copy-token' }, 'Copy');
    copy.addEventListener('click', () => void navigator.clipboard?.writeText(this.token.value).then(() => (copy.textContent = 'Copied'), () => (copy.textContent = 'Copy failed: select and copy it')));
    const done = h('button', { type: 'button', id: 'forget-shown-token' }, 'Done: forget it');
    done.addEventListener('click', () => this.handOver(null));
    this.handover = h(
      'div',
      { id: 'game-handover', hidden: 'hidden' },
      h('p', { class: 'help' }, "Give the responders their page and this token. It is shown only now: the controller cannot show it again."),
      h('div', { class: 'token-row' }, this.url),
      h('div', { class: 'token-row' }, this.token, reveal, copy, done),
    );

    this.state = h('p', { id: 'game-state', 'data-state': 'none' }, 'No game day yet.');
    const pause = h('button', { type: 'button', id: 'pause-game' }, 'Pause');
    const resume = h('button', { type: 'button', id: 'resume-game' }, 'Resume');
    const end = h('button', { type: 'button', id: 'end-game', class: 'danger-soft' }, 'End the game');
    pause.addEventListener('click', () => void this.act('pause the game', () => api('POST', '/api/gameday/pause'), (g) => (this.showOutcome(g), `paused at ${clock(g.elapsedMs)}`)));
    resume.addEventListener('click', () => void this.act('resume the game', () => api('POST', '/api/gameday/resume'), (g) => (this.showOutcome(g), 'running again')));
    end.addEventListener('click', () => void this.act('end the game', () => api('POST', '/api/gameday/end'), (g) => (this.showOutcome(g), 'ending: the score follows once the rollbacks have run')));
    this.buttons = { pause, resume, end };
    this.entries = h('ol', { id: 'game-entries' });
    this.score = h('div', { id: 'game-score' });
    this.root = h('div', { id: 'gameday' }, form, this.handover, this.state, h('div', { class: 'buttons' }, pause, resume, end), h('h4', {}, 'What the responders said and did'), this.entries, this.score);
    this.show(null);
  }

  /** Shows the responders' page and token of game `gameId` (once), or hides them (null). */
  handOver(responders, gameId = null) {
    this.handedOverFor = responders ? gameId : null;
    this.handover.hidden = !responders;
    this.token.value = responders?.token ?? '';
    this.token.type = 'password';
    this.url.textContent = responders ? new URL(responders.path, window.location.href).href : '';
  }

  setScenarios(scenarios) {
    const chosen = this.scenario.value;
    replace(this.scenario, scenarios.map((x) => h('option', { value: x.name }, x.name)));
    this.scenario.value = chosen || (scenarios.some((x) => x.name === 'aws-2025-10-20') ? 'aws-2025-10-20' : (scenarios[0]?.name ?? ''));
  }

  /** GET /api/gameday (the admin token): the game going on or the last one. */
  async refresh() {
    // An answer asked for before a button's outcome was shown is older than what the page shows: a refresh
    // sent just before "Start the game" answers with the game before, which must not replace the new one.
    const ask = (this.asked = this.asked + 1);
    const game = await api('GET', '/api/gameday').catch(() => undefined);
    if (game === undefined || ask <= this.answered) return;
    this.answered = ask;
    this.show(game);
  }

  /** A button's outcome: newer than every refresh asked for so far. */
  showOutcome(game) {
    this.answered = this.asked;
    this.show(game);
  }

  show(game) {
    const going = game && game.state !== 'ended';
    // Once the game is over its token is no use to hand over; a token handed over for another game stays.
    if (game?.state === 'ended' && game.id === this.handedOverFor) this.handOver(null);
    this.state.dataset.state = game ? game.state : 'none';
    replace(
      this.state,
      game ? `${game.team} plays ${game.scenario} at ${game.clock}: ${STATE_TEXT[game.state] ?? game.state}, ${clock(game.elapsedMs)} in${game.state === 'running' ? (game.pausable ? ' (can be paused now)' : ' (cannot be paused now)') : ''}${game.ending ? ` (${game.ending})` : ''}` : 'No game day yet.',
    );
    this.buttons.pause.disabled = !(game?.state === 'running' && game.pausable);
    this.buttons.resume.disabled = game?.state !== 'paused';
    this.buttons.end.disabled = !going || game.state === 'ending';
    replace(this.entries, game?.entries.length ? game.entries.map(entryLine) : [h('li', { class: 'muted' }, 'Nothing yet.')]);
    replace(this.score, game?.score ? scoreBlock(game.score, { html: `/api/runs/${encodeURIComponent(game.id)}/report.html`, review: `/api/runs/${encodeURIComponent(game.id)}/review.md`, journal: `/api/runs/${encodeURIComponent(game.id)}/journal.json` }) : []);
  }
}
