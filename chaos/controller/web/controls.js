// The facilitator's controls, in a drawer beside the room's view: the admin token, a game day
// (gameday.js), start and stop a scenario, Amazon's fixes switched on the running lab, inject any fault
// of the catalogue (a form made from its parameter schemas, with the targets the lab has), every
// runbook action, the emergency stop, and the reports of finished runs. Each button
// calls the same controller API the CLI does; the controller decides (401 without the token, 400 with
// its message for a bad value), and the answer is shown as it came.
import { adminToken, api, checkToken } from './api.js';
import { $, brief, h, replace } from './dom.js';
import { GameControls } from './gameday.js';

/** Amazon's remediations as the lab implements them (README, The cascade), each a switch of the running lab. */
const FIX_HELP = {
  enactor: 'DynamoDB: the Enactors re-check a plan\'s freshness inside the transaction, never delete the active plan, and refuse a plan that would empty an endpoint.',
  'nlb-velocity': 'NLB: velocity control, a cap on the capacity that health-check failover may take out of DNS per AWS hour.',
  'propagation-throttle': 'EC2: launches refused while the network manager\'s queue of configurations is long.',
};

const DURATIONS = [
  ['30 s', 30_000],
  ['1 min', 60_000],
  ['5 min', 300_000],
  ['15 min', 900_000],
  ['1 h', 3_600_000],
];

export class Controls {
  constructor(root, toggle) {
    this.root = root;
    this.toggle = toggle;
    this.catalogue = [];
    this.targets = null;
    this.result = h('p', { id: 'result', role: 'status', 'aria-live': 'polite' });
    this.build();
    toggle.addEventListener('click', () => this.open(this.root.hidden));
    // The game day's state and the responders' entries, while the drawer is open.
    setInterval(() => {
      if (!this.root.hidden && adminToken.get()) void this.game.refresh();
    }, 2000);
  }

  open(show) {
    this.root.hidden = !show;
    this.toggle.setAttribute('aria-expanded', String(show));
    if (show) void this.load();
  }

  build() {
    const tokenInput = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', spellcheck: 'false', placeholder: 'LAB_ADMIN_TOKEN' });
    this.tokenStatus = h('span', { id: 'token-status' });
    const tokenForm = h('form', { id: 'token-form' }, h('label', { for: 'token' }, 'Admin token'), tokenInput, h('button', { type: 'submit' }, 'Use'), h('button', { type: 'button', id: 'forget-token' }, 'Forget'), this.tokenStatus);
    tokenForm.addEventListener('submit', (e) => {
      e.preventDefault();
      adminToken.set(tokenInput.value.trim());
      tokenInput.value = '';
      void this.showToken();
    });
    tokenForm.querySelector('#forget-token').addEventListener('click', () => {
      adminToken.clear();
      void this.showToken();
    });

    this.scenario = h('select', { id: 'scenario', name: 'scenario' });
    this.seed = h('input', { id: 'seed', name: 'seed', type: 'number', min: '0', step: '1', placeholder: 'random' });
    this.clock = h('input', { id: 'lab-clock', name: 'clock', type: 'text', placeholder: 'as it is (e.g. 1h=60s)', autocomplete: 'off' });
    const start = h('button', { type: 'submit', id: 'start-run' }, 'Start');
    const stop = h('button', { type: 'button', id: 'stop-run' }, 'Stop the run');
    const runForm = h(
      'form',
      // The controller checks every value and says what is wrong (400); the browser's own checks would hide that.
      { id: 'run-form', novalidate: 'novalidate' },
      h('label', { for: 'scenario' }, 'Scenario'),
      this.scenario,
      h('label', { for: 'seed' }, 'Seed'),
      this.seed,
      h('label', { for: 'lab-clock' }, 'Lab clock'),
      this.clock,
      h('div', { class: 'buttons' }, start, stop),
    );
    runForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { scenario: this.scenario.value };
      if (this.seed.value !== '') body.seed = Number(this.seed.value);
      if (this.clock.value.trim() !== '') body.clock = this.clock.value.trim();
      void this.act(`start ${body.scenario}`, () => api('POST', '/api/runs', body), (run) => `run ${run.id} started`);
    });
    stop.addEventListener('click', () => void this.act('stop the run', () => api('DELETE', '/api/runs/current'), (run) => `${run.id}: ${run.state}`));

    this.runbook = h('div', { id: 'runbook', class: 'buttons' });

    this.fixBoxes = h('div', { id: 'fix-switches' });
    this.fixState = h('p', { id: 'fix-state', class: 'help' });
    const fixForm = h(
      'form',
      { id: 'fix-form' },
      this.fixBoxes,
      this.fixState,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'switch-fixes' }, 'Switch')),
    );
    fixForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const fixes = [...this.fixBoxes.querySelectorAll('input:checked')].map((box) => box.value);
      void this.act('switch the fixes', () => api('PUT', '/api/fixes', { fixes }), (status) => `on: ${status.fixes.join(', ') || 'none'}`);
    });

    this.kind = h('select', { id: 'fault-kind', name: 'kind' });
    this.target = h('select', { id: 'fault-target', name: 'target' });
    this.params = h('div', { id: 'fault-params' });
    this.duration = h('select', { id: 'fault-for', name: 'for' }, DURATIONS.map(([label, ms]) => h('option', { value: String(ms) }, label)));
    this.kind.addEventListener('change', () => this.showKind());
    const faultForm = h(
      'form',
      { id: 'fault-form', novalidate: 'novalidate' },
      h('label', { for: 'fault-kind' }, 'Fault'),
      this.kind,
      h('p', { id: 'fault-help', class: 'help' }),
      h('label', { for: 'fault-target' }, 'On'),
      this.target,
      this.params,
      h('label', { for: 'fault-for' }, 'For'),
      this.duration,
      h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'inject' }, 'Inject')),
    );
    faultForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = { kind: this.kind.value, target: this.target.value, params: this.paramValues(), ttlMs: Number(this.duration.value) };
      void this.act(`${body.kind} on ${body.target}`, () => api('POST', '/api/faults', body), (f) => `fault ${f.id} in place`);
    });
    this.held = h('div', { id: 'held-faults' });

    const emergency = h('button', { type: 'button', id: 'emergency-stop', class: 'danger' }, 'EMERGENCY STOP');
    emergency.addEventListener('click', () =>
      void this.act(
        'emergency stop',
        () => api('POST', '/api/emergency-stop'),
        (r) => `${r.run ? `run ${r.run} aborted; ` : ''}${r.controllerFaults} controller faults undone, ${r.toxics} toxics and ${r.proxyLeases} leases removed${r.errors.length ? `; not done: ${r.errors.join('; ')}` : ''}`,
      ),
    );
    this.reports = h('ul', { id: 'reports' });
    this.game = new GameControls((what, call, done) => this.act(what, call, done));

    replace(
      this.root,
      h('header', {}, h('h2', {}, 'Facilitator'), h('button', { type: 'button', id: 'close-facilitator', 'aria-label': 'close' }, '✕')),
      h('section', {}, tokenForm, h('p', { class: 'help' }, 'Kept in this tab only (sessionStorage), sent as Authorization: Bearer with each action.')),
      this.result,
      h('section', { class: 'emergency' }, emergency, h('p', { class: 'help' }, 'Ends the run at once and removes every fault in the lab, whoever holds it.')),
      h('section', { id: 'game-section' }, h('h3', {}, 'Game day'), this.game.root),
      h('section', {}, h('h3', {}, 'Run a scenario'), runForm),
      h('section', {}, h('h3', {}, "Amazon's fixes"), fixForm, h('p', { class: 'help' }, 'Switched on the running lab; nothing restarts. A run started here plays with them as they are.')),
      h('section', {}, h('h3', {}, 'Runbook'), this.runbook),
      h('section', {}, h('h3', {}, 'Inject a fault'), faultForm, h('h4', {}, 'Held by the controller'), this.held),
      h('section', {}, h('h3', {}, 'Reports'), this.reports),
    );
    this.root.querySelector('#close-facilitator').addEventListener('click', () => this.open(false));
    void this.showToken();
  }

  async showToken() {
    const token = adminToken.get();
    this.tokenStatus.dataset.state = token ? 'checking' : 'none';
    this.tokenStatus.textContent = token ? 'checking…' : 'no token: actions will be refused';
    if (!token) return;
    const ok = await checkToken(token).catch(() => false);
    this.tokenStatus.dataset.state = ok ? 'accepted' : 'refused';
    this.tokenStatus.textContent = ok ? 'token accepted' : 'token refused (401)';
    // With the token the drawer can read what a game day keeps from anyone without it.
    if (ok && !this.root.hidden) {
      if (this.result.dataset.state === 'refused') {
        this.result.textContent = '';
        delete this.result.dataset.state;
      }
      void this.load();
    }
  }

  /** What the drawer lists: scenarios, the runbook, the fault catalogue and targets, the kept runs. */
  async load() {
    const [scenarios, runbook, catalogue, targets, runs, fixes] = await Promise.all([
      api('GET', '/api/scenarios'),
      api('GET', '/api/runbook'),
      api('GET', '/api/faults/catalogue'),
      api('GET', '/api/faults/targets'),
      api('GET', '/api/runs'),
      api('GET', '/api/fixes'),
    ]).catch((err) => {
      this.say(false, 'loading the controls', err);
      return [];
    });
    if (!scenarios) return;
    this.game.setScenarios(scenarios);
    void this.game.refresh();
    const chosen = this.scenario.value;
    replace(this.scenario, scenarios.map((x) => h('option', { value: x.name, title: x.description }, x.title === x.name ? x.name : `${x.name}: ${x.title}`)));
    if (chosen) this.scenario.value = chosen;
    replace(
      this.runbook,
      runbook.map((r) => {
        const button = h('button', { type: 'button', class: 'runbook', 'data-action': r.action, title: r.help }, r.action);
        button.addEventListener('click', () => void this.act(`repair ${r.action}`, () => api('POST', '/api/repair', { action: r.action }), (out) => brief(out, 160)));
        return h('div', { class: 'runbook-action' }, button, h('span', { class: 'help' }, r.help));
      }),
    );
    this.catalogue = catalogue;
    this.targets = targets;
    const kind = this.kind.value;
    const groups = [...new Set(catalogue.map((k) => k.target))];
    replace(this.kind, groups.map((g) => h('optgroup', { label: g }, catalogue.filter((k) => k.target === g).map((k) => h('option', { value: k.kind }, k.kind)))));
    if (kind) this.kind.value = kind;
    this.showKind();
    this.showReports(runs.finished);
    this.showFixes(fixes);
  }

  /**
   * One box per fix, ticked when every service of it is on; a fix whose services disagree (a container
   * started again from compose's FIX_ variables) is marked and named, and Switch sets them all alike.
   */
  showFixes(status) {
    replace(
      this.fixBoxes,
      Object.entries(FIX_HELP).map(([fix, help]) => {
        const id = `fix-${fix}`;
        const on = status.fixes.includes(fix);
        const mixed = status.disagree.includes(fix);
        const box = h('input', { type: 'checkbox', id, name: 'fix', value: fix, checked: on ? 'checked' : undefined });
        box.indeterminate = mixed;
        return h('div', { class: 'fix', 'data-fix': fix, 'data-state': mixed ? 'mixed' : on ? 'on' : 'off' }, box, h('label', { for: id }, fix), h('span', { class: 'help' }, help));
      }),
    );
    const odd = status.services.filter((s) => s.on === null || status.disagree.includes(s.fix)).map((s) => (s.on === null ? `${s.name} did not answer` : `${s.name} ${s.on ? 'on' : 'off'}`));
    this.fixState.dataset.consistent = String(status.consistent);
    this.fixState.textContent = status.consistent ? '' : `The services of a fix disagree: ${odd.join(', ')}.`;
  }

  showReports(finished) {
    replace(
      this.reports,
      finished.length
        ? finished.map((r) =>
            h(
              'li',
              {},
              h('span', {}, `${r.scenario} (seed ${r.seed}): ${r.state}`),
              h('a', { href: `/api/runs/${encodeURIComponent(r.id)}/report.html`, target: '_blank', rel: 'noopener' }, 'report'),
              h('a', { href: `/api/runs/${encodeURIComponent(r.id)}/journal.json`, target: '_blank', rel: 'noopener' }, 'journal'),
            ),
          )
        : [h('li', { class: 'muted' }, 'No run finished on this controller yet.')],
    );
  }

  /** The chosen kind's help, its possible targets, and one input per parameter. */
  showKind() {
    const entry = this.catalogue.find((k) => k.kind === this.kind.value);
    if (!entry) return;
    $('#fault-help', this.root).textContent = entry.description;
    const pattern = entry.services ? new RegExp(entry.services) : null;
    const targets = (this.targets?.[entry.target] ?? []).filter((t) => !pattern || pattern.test(t));
    replace(this.target, targets.length ? targets.map((t) => h('option', { value: t }, t)) : [h('option', { value: '' }, '(none in this lab right now)')]);
    const required = new Set(entry.params.required ?? []);
    replace(
      this.params,
      Object.entries(entry.params.properties ?? {}).map(([name, p]) => {
        const id = `param-${name}`;
        let input;
        if (p.enum) input = h('select', { id, name }, p.enum.map((v) => h('option', { value: String(v), selected: v === p.default ? 'selected' : undefined }, String(v))));
        else if (p.type === 'boolean') input = h('input', { id, name, type: 'checkbox', checked: p.default ? 'checked' : undefined });
        else if (p.type === 'integer' || p.type === 'number')
          input = h('input', { id, name, type: 'number', step: p.type === 'integer' ? '1' : 'any', min: p.minimum, max: p.maximum !== undefined && p.maximum < Number.MAX_SAFE_INTEGER ? p.maximum : undefined, value: p.default, required: required.has(name) ? 'required' : undefined });
        else input = h('input', { id, name, type: 'text', value: p.default });
        input.dataset.type = p.type ?? (p.enum ? 'enum' : 'string');
        return h('div', { class: 'param' }, h('label', { for: id }, `${name}${required.has(name) ? ' *' : ''}`), input);
      }),
    );
  }

  paramValues() {
    const values = {};
    for (const input of this.params.querySelectorAll('input, select')) {
      const type = input.dataset.type;
      if (type === 'boolean') values[input.name] = input.checked;
      else if (input.value === '') continue;
      else values[input.name] = type === 'integer' || type === 'number' ? Number(input.value) : input.value;
    }
    return values;
  }

  /** The faults the controller holds, each with a button that removes it (the page's own, mostly). */
  showHeld(faults) {
    const held = faults.filter((f) => f.source === 'controller');
    replace(
      this.held,
      held.length
        ? held.map((f) => {
            const remove = h('button', { type: 'button', class: 'remove-fault', 'data-fault-id': f.id }, 'remove');
            remove.addEventListener('click', () => void this.act(`remove ${f.kind} on ${f.target}`, () => api('DELETE', `/api/faults/${encodeURIComponent(f.id)}`), () => 'removed'));
            return h('div', { class: 'held' }, h('span', {}, `${f.kind} on ${f.target}`), remove);
          })
        : [h('p', { class: 'muted' }, 'None.')],
    );
  }

  async act(what, call, done) {
    this.say(null, what);
    try {
      const out = await call();
      this.say(true, what, done(out));
      if (!this.root.hidden) void this.load();
    } catch (err) {
      this.say(false, what, err);
    }
  }

  /** The outcome line: pending (null), done (true) or refused (false), with the controller's words. */
  say(ok, what, detail) {
    this.result.dataset.state = ok === null ? 'pending' : ok ? 'ok' : 'refused';
    if (ok === null) return void (this.result.textContent = `${what}…`);
    if (ok) return void (this.result.textContent = `✓ ${what}: ${detail}`);
    const status = detail?.status;
    const hint = status === 401 ? ' (enter the admin token above)' : '';
    this.result.textContent = `✗ ${what}: ${status ? `refused (${status})` : 'failed'}: ${detail?.message ?? detail}${hint}`;
  }
}
