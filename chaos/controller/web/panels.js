// The room's panels beside the map and the charts: the run going on (or the last one), its detected
// phases as they start and end, the faults in place with their holder and time left, and the lab's
// events. All text from the lab goes in as text (dom.js).
import { brief, clock, h, replace, timeOfDay } from './dom.js';

export const PHASE_COLORS = { 'dns-empty': '#ff6b61', 'lease-collapse': '#ffb020', 'propagation-backlog': '#c08cff', 'nlb-flapping': '#4ea3ff' };
const FINAL = new Set(['completed', 'deviated', 'aborted']);
const STATE_TEXT = { running: 'running', stopping: 'stopping', completed: 'completed: the steady state held', deviated: 'deviated: the steady state did not hold', aborted: 'aborted' };

/** The header's run line: scenario, seed, state, elapsed against the longest it can take, current activity. */
export function renderRun(el, run) {
  if (!run) return replace(el, h('span', { class: 'muted' }, 'No run. The facilitator starts one, or: cascade-lab run'));
  const finished = FINAL.has(run.state);
  const share = run.expectedMs ? Math.min(1, run.elapsedMs / run.expectedMs) : null;
  el.dataset.state = run.state;
  replace(
    el,
    h('span', { class: 'scenario' }, finished ? `last run: ${run.scenario}` : run.scenario),
    h('span', { class: 'seed' }, `seed ${run.seed}${run.clock ? ` · ${run.clock}` : ''}`),
    h('span', { class: `badge run-${run.state}` }, STATE_TEXT[run.state] ?? run.state),
    h('span', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': share === null ? undefined : String(Math.round(100 * share)) }, h('i', { style: `width:${share === null ? 0 : (100 * share).toFixed(1)}%` })),
    h('span', { class: 'elapsed' }, `${clock(run.elapsedMs)}${run.expectedMs ? ` of at most ${clock(run.expectedMs)}` : ''}`),
    h('span', { class: 'activity' }, finished ? (run.reason ?? '') : (run.activity ?? '')),
  );
}

/** Each detected phase on a lane over the run's time, with its start and end (or "going on"). */
export function renderPhases(el, run) {
  if (!run) return replace(el, h('p', { class: 'muted' }, 'Phases are detected while a scenario runs on the controller.'));
  const span = Math.max(run.elapsedMs, 1000);
  const names = [...new Set(run.phases.map((p) => p.name))];
  if (names.length === 0) return replace(el, h('p', { class: 'muted' }, `${run.scenario}: no phase detected ${FINAL.has(run.state) ? 'in this run' : 'so far'}.`));
  replace(
    el,
    names.map((name) => {
      const phases = run.phases.filter((p) => p.name === name);
      const ongoing = phases.some((p) => p.ongoing) && !FINAL.has(run.state);
      const color = PHASE_COLORS[name] ?? '#9aa7b4';
      return h(
        'div',
        { class: `phase${ongoing ? ' ongoing' : ''}`, 'data-phase': name, 'data-ongoing': String(ongoing) },
        h('div', { class: 'phase-name', style: `color:${color}` }, name),
        h(
          'div',
          { class: 'lane' },
          phases.map((p) => {
            const end = p.ongoing && !FINAL.has(run.state) ? run.elapsedMs : p.end;
            return h('i', { style: `left:${((100 * p.start) / span).toFixed(2)}%;width:${Math.max(0.6, (100 * (end - p.start)) / span).toFixed(2)}%;background:${color}` });
          }),
        ),
        h('div', { class: 'phase-times' }, phases.map((p) => (p.ongoing && !FINAL.has(run.state) ? `since ${clock(p.start)}` : `${clock(p.start)} – ${clock(p.end)}`)).join(', ')),
      );
    }),
  );
}

const params = (p) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${brief(v, 30)}`)
    .join(' ');

/** Every fault in place: what, where, who holds it, and how long it has left (ticked every second). */
export function renderFaults(el, faults) {
  if (faults.length === 0) return replace(el, h('p', { class: 'muted' }, 'No faults in place.'));
  replace(
    el,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'fault'), h('th', {}, 'on'), h('th', {}, 'held by'), h('th', {}, 'ends in'))),
      h(
        'tbody',
        {},
        faults.map((f) =>
          h(
            'tr',
            { 'data-fault-id': f.id, class: f.undoError ? 'failing' : undefined },
            h('td', {}, h('b', {}, f.kind), h('div', { class: 'params' }, params(f.params))),
            h('td', {}, f.target),
            h('td', {}, f.holder ?? (f.source === 'fault-proxy' ? 'nobody (until removed)' : 'its own ttl')),
            h('td', { class: 'countdown', 'data-expires': f.expiresAt === null ? '' : String(f.expiresAt) }, f.undoError ? `UNDO FAILING: ${f.undoError}` : ''),
          ),
        ),
      ),
    ),
  );
}

/** Time left on every countdown, by the controller's clock (`now`). */
export function tickCountdowns(root, now) {
  for (const cell of root.querySelectorAll('td.countdown[data-expires]')) {
    if (cell.closest('tr.failing')) continue;
    const at = Number(cell.dataset.expires);
    cell.textContent = cell.dataset.expires === '' ? '—' : at <= now ? 'ending' : clock(at - now);
  }
}

const MAX_EVENTS = 80;

/** The newest events first; `list` is kept by the caller. */
export function renderEvents(el, list) {
  replace(
    el,
    list.slice(0, MAX_EVENTS).map((e) =>
      h(
        'li',
        { 'data-event-type': e.type },
        h('time', {}, timeOfDay(e.time)),
        h('span', { class: 'service' }, e.service),
        h('span', { class: 'type' }, e.type),
        Object.keys(e.data).length ? h('span', { class: 'data' }, brief(e.data, 140)) : null,
      ),
    ),
  );
}

export function addEvents(list, events) {
  list.unshift(...[...events].reverse());
  list.splice(MAX_EVENTS);
  return list;
}
