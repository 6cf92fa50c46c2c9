// What the facilitator's page (main.js) and the responders' page (responders.js) share of the live
// stream: the map drawn from the topology and coloured by each frame, the charts fed and slid along, the
// events, the link's state ("live", "no word for N s", "disconnected") and the banner while the stream is
// down, so that the room never mistakes a stale screen for a live one. Each page adds what is its own
// through `onFrame` (and `onTopology`); `refused(status)` says what the banner says when a token is needed.
import { Charts } from './charts.js';
import { replace } from './dom.js';
import { ServiceMap } from './map.js';
import { addEvents, renderEvents } from './panels.js';
import { connect } from './stream.js';

export class LiveScreen {
  /**
   * @param {{ map: Element, charts: Element, events: Element, banner: Element, link: Element,
   *   onFrame?: (frame: object, now: number) => void, onTopology?: (topology: object) => void,
   *   refused: (status: number) => { link: string, banner: string } }} parts
   */
  constructor(parts) {
    this.parts = parts;
    this.map = new ServiceMap(parts.map);
    this.charts = new Charts(parts.charts);
    this.connected = false;
    this.intervalMs = 1000;
    this.windowMs = 300_000;
    /** The controller's clock minus ours, from the newest frame or heartbeat. */
    this.skew = 0;
    this.lastWord = 0;
    this.topology = null;
    this.topologyKey = '';
    this.events = [];
    setInterval(() => this.tick(), 500);
  }

  /** The controller's clock, as of the newest word from it. */
  now() {
    return Date.now() + this.skew;
  }

  /** Connects to a stream (`headers()` gives each attempt's token) and shows it until stop(). */
  connect(url, headers) {
    return connect(url, { message: (event, data) => this.message(event, data), state: (state) => this.state(state) }, { headers });
  }

  drawMap(frame) {
    const endpoints = frame?.endpoints.map((e) => e.name) ?? [];
    const key = JSON.stringify([this.topology, endpoints]);
    if (!this.topology || key === this.topologyKey) return;
    this.topologyKey = key;
    this.map.draw(this.topology, endpoints);
    this.parts.onTopology?.(this.topology);
  }

  show(frame) {
    if (frame.topology) this.topology = frame.topology;
    this.drawMap(frame);
    this.map.update(frame);
    this.parts.onFrame?.(frame, this.now());
  }

  message(event, data) {
    this.lastWord = Date.now();
    this.skew = data.t - Date.now();
    if (event === 'hello') {
      this.intervalMs = data.intervalMs;
      this.windowMs = data.windowMs;
      this.topology = data.topology;
      this.topologyKey = '';
      this.charts.reset(data.history);
      this.events = addEvents([], data.events);
      renderEvents(this.parts.events, this.events);
      if (data.frame) this.show(data.frame);
      else this.drawMap(null);
      this.charts.render(this.now(), this.windowMs);
    } else if (event === 'frame') {
      this.charts.push(data.points);
      this.show(data);
      if (data.events.length) renderEvents(this.parts.events, addEvents(this.events, data.events));
      this.charts.render(this.now(), this.windowMs);
    }
  }

  state(state) {
    const { banner, link } = this.parts;
    this.connected = state.connected;
    document.body.classList.toggle('disconnected', !state.connected);
    banner.hidden = state.connected;
    if (state.connected) return;
    link.dataset.state = 'lost';
    if (state.status === 401 || state.status === 403) {
      const said = this.parts.refused(state.status);
      link.textContent = said.link;
      replace(banner, said.banner);
    } else {
      link.textContent = 'disconnected';
      replace(banner, `Connection to the controller lost: reconnecting (attempt ${state.attempt})…`, state.error ? ` ${state.error}` : '');
    }
  }

  /** Every half second: how fresh the screen is, and the charts' window sliding on. */
  tick() {
    if (!this.connected) return;
    const { link } = this.parts;
    const age = (Date.now() - this.lastWord) / 1000;
    const late = age > (3 * this.intervalMs) / 1000;
    link.dataset.state = late ? 'late' : 'live';
    link.textContent = late ? `no word for ${age.toFixed(0)} s` : 'live';
    this.parts.onTick?.(this.now());
    this.charts.render(this.now(), this.windowMs);
  }
}
