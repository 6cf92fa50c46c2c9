// The responders' page of a game day: symptoms only. The services and what the endpoints resolve to,
// the charts, the events, the services' log lines, a DNS lookup at the lab's DNS server and each
// service's state, all from /api/responders with the token the facilitator gave them (kept in this tab's
// sessionStorage, sent as a header, never in a URL). On it they declare the incident, record hypotheses
// and take the runbook's actions, each under their name. The controller decides what they may see (no
// fault, no scenario, no phase) and do; everything it sends is shown as text.
import { api, bearer, checkToken, responderName, respondersToken } from './api.js';
import { $, brief, clock, h, replace, timeOfDay } from './dom.js';
import { entryLine, scoreBlock } from './gameday.js';
import { LiveScreen } from './screen.js';

const call = (method, path, body) => api(method, path, body, respondersToken.get());

const view = { banner: $('#banner'), link: $('#link'), game: $('#game'), status: $('#join-status'), score: $('#score') };
/** The services every list that names one shows, as last drawn. */
let services = [];

// ---- joining: the name and the token ----
const joinForm = $('#join');
const playerInput = $('#player');
const tokenInput = $('#responders-token');
playerInput.value = responderName.get();
joinForm.addEventListener('submit', (e) => {
  e.preventDefault();
  responderName.set(playerInput.value.trim());
  if (tokenInput.value.trim()) respondersToken.set(tokenInput.value.trim());
  tokenInput.value = '';
  void showJoin();
});

async function showJoin() {
  const token = respondersToken.get();
  view.status.dataset.state = token ? 'checking' : 'none';
  view.status.textContent = token ? 'checking…' : 'no token yet';
  if (!token) return;
  const ok = await checkToken(token, '/api/responders/check').catch(() => false);
  view.status.dataset.state = ok ? 'accepted' : 'refused';
  view.status.textContent = ok ? `joined${responderName.get() ? ` as ${responderName.get()}` : ': enter your name'}` : 'token refused (401)';
  if (ok) {
    void loadRunbook();
    void refreshGame();
    // Connect at once with the token, rather than at the stream's next attempt.
    if (!screen.connected) {
      stream.stop();
      stream = subscribe();
    }
  }
}

// ---- the incident: declare, hypotheses, runbook, the team's log ----
const result = h('p', { id: 'result', role: 'status', 'aria-live': 'polite' });
function say(ok, what, detail) {
  result.dataset.state = ok === null ? 'pending' : ok ? 'ok' : 'refused';
  if (ok === null) return void (result.textContent = `${what}…`);
  if (ok) return void (result.textContent = `✓ ${what}: ${detail}`);
  const status = detail?.status;
  const hint = status === 401 ? ' (join with the token the facilitator gave you)' : '';
  result.textContent = `✗ ${what}: ${status ? `refused (${status})` : 'failed'}: ${detail?.message ?? detail}${hint}`;
}
async function act(what, run, done) {
  say(null, what);
  try {
    say(true, what, done(await run()));
    void refreshGame();
  } catch (err) {
    say(false, what, err);
  }
}
const me = () => responderName.get();

const summary = h('textarea', { id: 'declare-summary', name: 'summary', maxlength: '500', placeholder: 'what customers see' });
const declared = h('p', { id: 'declared', hidden: 'hidden' });
const declareForm = h('form', { id: 'declare-form', novalidate: 'novalidate' }, summary, h('button', { type: 'submit', id: 'declare' }, 'Declare an incident'));
declareForm.addEventListener('submit', (e) => {
  e.preventDefault();
  void act('declare the incident', () => call('POST', '/api/responders/declare', { by: me(), summary: summary.value }), () => ((summary.value = ''), 'declared'));
});

const hypothesisText = h('textarea', { id: 'hypothesis-text', name: 'text', maxlength: '1000', placeholder: 'what you think is wrong, and why' });
const suspect = h('select', { id: 'hypothesis-service', name: 'service' });
const hypothesisForm = h('form', { id: 'hypothesis-form', novalidate: 'novalidate' }, hypothesisText, h('label', { for: 'hypothesis-service' }, 'Suspected service'), suspect, h('button', { type: 'submit', id: 'record-hypothesis' }, 'Record the hypothesis'));
hypothesisForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const body = { by: me(), text: hypothesisText.value, service: suspect.value || null };
  void act('record a hypothesis', () => call('POST', '/api/responders/hypotheses', body), () => ((hypothesisText.value = ''), 'recorded'));
});

const runbook = h('div', { id: 'runbook' }, h('p', { class: 'help' }, 'Join to see the runbook.'));
async function loadRunbook() {
  const actions = await call('GET', '/api/responders/runbook').catch(() => null);
  if (!actions) return;
  replace(
    runbook,
    actions.map((r) => {
      const button = h('button', { type: 'button', class: 'runbook', 'data-action': r.action, title: r.help }, r.action);
      button.addEventListener('click', () => void act(`repair ${r.action}`, () => call('POST', '/api/responders/actions', { by: me(), action: r.action }), (out) => brief(out.result, 160)));
      return button;
    }),
  );
}
// Without a token the buttons are there all the same: the controller refuses them (401), and says so.
replace(
  runbook,
  ['dns', 'throttle', 'unthrottle', 'restart-dwfm', 'failover-off', 'failover-on'].map((action) => {
    const button = h('button', { type: 'button', class: 'runbook', 'data-action': action }, action);
    button.addEventListener('click', () => void act(`repair ${action}`, () => call('POST', '/api/responders/actions', { by: me(), action }), (out) => brief(out.result, 160)));
    return button;
  }),
);

const teamLog = h('ol', { id: 'team-log' });
replace(
  $('#incident'),
  h('h2', {}, 'Incident'),
  declared,
  declareForm,
  h('h3', {}, 'Hypotheses'),
  hypothesisForm,
  h('h3', {}, 'Runbook'),
  runbook,
  result,
  h('h3', {}, "The team's log"),
  teamLog,
);

// ---- the game: its state, and the score once it is over ----
async function refreshGame() {
  if (!respondersToken.get()) return;
  const game = await call('GET', '/api/responders/game').catch(() => null);
  if (!game) return;
  replace(
    view.game,
    h('span', { class: 'team' }, game.team),
    h('span', { class: 'state', 'data-state': game.state }, game.state === 'ended' ? 'game over' : game.state),
    h('span', { class: 'elapsed' }, clock(game.elapsedMs)),
  );
  view.game.dataset.state = game.state;
  const declaration = game.entries.find((e) => e.kind === 'declare');
  declared.hidden = !declaration;
  declared.textContent = declaration ? `Incident declared by ${declaration.by} at ${clock(declaration.t)}.` : '';
  declareForm.hidden = Boolean(declaration);
  replace(teamLog, game.entries.length ? [...game.entries].reverse().map(entryLine) : [h('li', { class: 'muted' }, 'Nothing yet.')]);
  // The score of this game once it is over (a new game, joined with its own token, clears the last one's).
  const shownFor = String(game.startedAt);
  if (game.score && view.score.dataset.game !== shownFor) {
    replace(view.score, h('h2', {}, `Game over: ${game.team}`), scoreBlock(game.score, game.report));
    view.score.dataset.game = shownFor;
  }
  view.score.hidden = !game.score;
}

// ---- the tools: events, logs, DNS, state ----
const panes = {};
const tabs = h('div', { class: 'tabs', role: 'tablist' });
function tab(id, label, pane, onShow) {
  const button = h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': 'false' }, label);
  panes[id] = { button, pane, onShow };
  button.addEventListener('click', () => showTab(id));
  tabs.append(button);
}
let shown = 'events';
function showTab(id) {
  shown = id;
  for (const [name, p] of Object.entries(panes)) {
    p.pane.hidden = name !== id;
    p.button.setAttribute('aria-selected', String(name === id));
  }
  panes[id].onShow?.();
}

const eventsList = h('ol', { id: 'events-list' });
tab('events', 'Events', h('div', { class: 'pane', id: 'pane-events' }, eventsList));

const logService = h('select', { id: 'log-service', name: 'service' });
const logLines = h('ol', { id: 'log-lines' });
const logNote = h('p', { class: 'help', id: 'log-note' });
async function loadLogs() {
  const query = new URLSearchParams({ tail: '200', ...(logService.value ? { service: logService.value } : {}) });
  try {
    const { lines } = await call('GET', `/api/responders/logs?${query}`);
    logNote.textContent = lines.length ? '' : 'No lines.';
    replace(
      logLines,
      [...lines].reverse().map((l) =>
        h('li', { class: `level-${l.level}` }, h('time', {}, l.time ? timeOfDay(l.time) : ''), h('span', {}, l.service), h('span', {}, l.level), h('span', { class: 'msg', title: brief(l.fields, 400) }, `${l.msg}${Object.keys(l.fields).length ? ` ${brief(l.fields, 200)}` : ''}`)),
      ),
    );
  } catch (err) {
    logNote.textContent = `✗ ${err.message}`;
  }
}
const logRefresh = h('button', { type: 'button', id: 'log-refresh' }, 'Refresh');
logRefresh.addEventListener('click', () => void loadLogs());
logService.addEventListener('change', () => void loadLogs());
tab('logs', 'Logs', h('div', { class: 'pane', id: 'pane-logs' }, h('form', {}, h('label', { for: 'log-service' }, 'Service'), logService, logRefresh), logNote, logLines), () => void loadLogs());

const dnsName = h('input', { id: 'dns-name', name: 'name', type: 'text', value: 'kv.us-east-1.lab.internal', size: '40', autocomplete: 'off', spellcheck: 'false' });
const dnsType = h('select', { id: 'dns-type', name: 'type' }, ['A', 'TXT', 'SOA', 'NS', 'CNAME'].map((t) => h('option', { value: t }, t)));
const dnsAnswer = h('pre', { id: 'dns-answer' });
const dnsForm = h('form', { id: 'dns-form', novalidate: 'novalidate' }, h('label', { for: 'dns-name' }, 'Name'), dnsName, dnsType, h('button', { type: 'submit', id: 'dns-lookup' }, 'Look up'));
dnsForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const query = new URLSearchParams({ name: dnsName.value.trim(), type: dnsType.value });
  try {
    const a = await call('GET', `/api/responders/dns?${query}`);
    replace(
      dnsAnswer,
      `${a.type} ${a.name}: ${a.rcode}, ${a.answers.length} answer${a.answers.length === 1 ? '' : 's'} (${a.ms} ms)\n`,
      a.answers.map((r) => `${r.name}  ${r.ttl}  ${r.type}  ${r.data}\n`),
      a.nodata ? h('span', { class: 'nodata' }, 'NOERROR with no answer (NODATA)\n') : null,
      a.authority.map((r) => `authority: ${r.name}  ${r.ttl}  ${r.type}  ${r.data}\n`),
    );
  } catch (err) {
    replace(dnsAnswer, `✗ ${err.status ? `refused (${err.status}): ` : ''}${err.message}`);
  }
});
tab('dns', 'DNS lookup', h('div', { class: 'pane', id: 'pane-dns' }, dnsForm, dnsAnswer));

const stateService = h('select', { id: 'state-service', name: 'service' });
const stateJson = h('pre', { id: 'state-json' });
async function loadState() {
  if (!stateService.value) return;
  try {
    const s = await call('GET', `/api/responders/services/${encodeURIComponent(stateService.value)}/state`);
    replace(stateJson, `${s.service} (${s.kind}) at ${timeOfDay(s.time)}\n${JSON.stringify(s.state, null, 2)}`);
  } catch (err) {
    replace(stateJson, `✗ ${err.message}`);
  }
}
stateService.addEventListener('change', () => void loadState());
const stateRefresh = h('button', { type: 'button', id: 'state-refresh' }, 'Refresh');
stateRefresh.addEventListener('click', () => void loadState());
tab('state', 'Service state', h('div', { class: 'pane', id: 'pane-state' }, h('form', {}, h('label', { for: 'state-service' }, 'Service'), stateService, stateRefresh), stateJson), () => void loadState());

replace($('#tools'), tabs, Object.values(panes).map((p) => p.pane));
showTab('events');

/** The lab's services (the responders' topology) in every list that names one. */
function showServices(names) {
  if (names.join(',') === services.join(',')) return;
  services = names;
  const keep = (select, first) => {
    const was = select.value;
    replace(select, first, names.map((n) => h('option', { value: n }, n)));
    select.value = was;
  };
  keep(suspect, h('option', { value: '' }, '(none in particular)'));
  keep(logService, h('option', { value: '' }, 'every service'));
  keep(stateService, null);
  if (!stateService.value && names.length) stateService.value = names[0];
}

// ---- the live stream, through the responders' view ----
const screen = new LiveScreen({
  map: $('#map svg'),
  charts: $('#charts'),
  events: eventsList,
  banner: view.banner,
  link: view.link,
  onTopology: (topology) => showServices(topology.services.map((s) => s.name)),
  refused: () => ({ link: 'token needed', banner: "Join with your name and the responders' token the facilitator gave you (top right)." }),
});
const subscribe = () => screen.connect('/api/responders/live', () => bearer(respondersToken.get()));
let stream = subscribe();
setInterval(() => void refreshGame(), 2000);
setInterval(() => {
  if (shown === 'logs' && screen.connected) void loadLogs();
}, 5000);
void showJoin();
void refreshGame();
