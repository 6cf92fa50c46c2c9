// The dashboard: one live stream from the controller (stream.js) drives the service map, the charts and
// the panels; the facilitator's drawer (controls.js) drives the controller's API. While the stream is
// down the page says so and greys out, so the room never mistakes a stale screen for a live one.
import { adminToken, bearer } from './api.js';
import { Charts } from './charts.js';
import { Controls } from './controls.js';
import { $, replace } from './dom.js';
import { ServiceMap } from './map.js';
import { addEvents, renderEvents, renderFaults, renderPhases, renderRun, tickCountdowns } from './panels.js';
import { connect } from './stream.js';

const view = {
  banner: $('#banner'),
  link: $('#link'),
  run: $('#run'),
  phases: $('#phases .body'),
  faults: $('#faults .body'),
  events: $('#events .body'),
};
const map = new ServiceMap($('#map svg'));
const charts = new Charts($('#charts'));
const controls = new Controls($('#facilitator'), $('#open-facilitator'));

const live = {
  connected: false,
  intervalMs: 1000,
  windowMs: 300_000,
  /** The controller's clock minus ours, from the newest frame or heartbeat. */
  skew: 0,
  lastWord: 0,
  frame: null,
  topologyKey: '',
  topology: null,
  events: [],
};
const serverNow = () => Date.now() + live.skew;

function drawMap(frame) {
  const endpoints = frame?.endpoints.map((e) => e.name) ?? [];
  const key = JSON.stringify([live.topology, endpoints]);
  if (!live.topology || key === live.topologyKey) return;
  live.topologyKey = key;
  map.draw(live.topology, endpoints);
}

function show(frame) {
  live.frame = frame;
  if (frame.topology) live.topology = frame.topology;
  drawMap(frame);
  map.update(frame);
  renderRun(view.run, frame.run);
  renderPhases(view.phases, frame.run);
  renderFaults(view.faults, frame.faults);
  tickCountdowns(view.faults, serverNow());
  controls.showHeld(frame.faults);
}

function onMessage(event, data) {
  live.lastWord = Date.now();
  if (event === 'hello') {
    live.intervalMs = data.intervalMs;
    live.windowMs = data.windowMs;
    live.skew = data.t - Date.now();
    live.topology = data.topology;
    live.topologyKey = '';
    charts.reset(data.history);
    live.events = addEvents([], data.events);
    renderEvents(view.events, live.events);
    if (data.frame) show(data.frame);
    else drawMap(null);
    charts.render(serverNow(), live.windowMs);
  } else if (event === 'frame') {
    live.skew = data.t - Date.now();
    charts.push(data.points);
    show(data);
    if (data.events.length) renderEvents(view.events, addEvents(live.events, data.events));
    charts.render(serverNow(), live.windowMs);
  } else if (event === 'heartbeat') {
    live.skew = data.t - Date.now();
  }
}

function onState(state) {
  live.connected = state.connected;
  document.body.classList.toggle('disconnected', !state.connected);
  view.banner.hidden = state.connected;
  if (!state.connected && (state.status === 401 || state.status === 403)) {
    // A game day is on: its faults and scenario are the facilitator's alone.
    replace(view.banner, 'A game day is on: this is the facilitator\'s view, and it needs the admin token (Facilitator ▸ Admin token). Responders: open /responders with the token the facilitator gave you.');
    view.link.dataset.state = 'lost';
    view.link.textContent = state.status === 403 ? 'refused' : 'token needed';
  } else if (!state.connected) {
    replace(view.banner, `Connection to the controller lost: reconnecting (attempt ${state.attempt})…`, state.error ? ` ${state.error}` : '');
    view.link.dataset.state = 'lost';
    view.link.textContent = 'disconnected';
  }
}

/** Every half second: how fresh the screen is, the faults' time left, the charts' window sliding on. */
function tick() {
  if (!live.connected) return;
  const age = (Date.now() - live.lastWord) / 1000;
  const late = age > (3 * live.intervalMs) / 1000;
  view.link.dataset.state = late ? 'late' : 'live';
  view.link.textContent = late ? `no word for ${age.toFixed(0)} s` : 'live';
  tickCountdowns(view.faults, serverNow());
  charts.render(serverNow(), live.windowMs);
}

connect('/api/live', { message: onMessage, state: onState }, { headers: () => bearer(adminToken.get()) });
setInterval(tick, 500);
