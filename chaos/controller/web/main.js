// The dashboard: one live stream from the controller (screen.js) drives the service map, the charts and
// the panels; the facilitator's drawer (controls.js) drives the controller's API. While the stream is
// down the page says so and greys out, so the room never mistakes a stale screen for a live one.
import { adminToken, bearer } from './api.js';
import { Controls } from './controls.js';
import { $ } from './dom.js';
import { renderFaults, renderPhases, renderRun, tickCountdowns } from './panels.js';
import { LiveScreen } from './screen.js';

const view = {
  run: $('#run'),
  phases: $('#phases .body'),
  faults: $('#faults .body'),
};
const controls = new Controls($('#facilitator'), $('#open-facilitator'));

const screen = new LiveScreen({
  map: $('#map svg'),
  charts: $('#charts'),
  events: $('#events .body'),
  banner: $('#banner'),
  link: $('#link'),
  onFrame: (frame, now) => {
    renderRun(view.run, frame.run);
    renderPhases(view.phases, frame.run);
    renderFaults(view.faults, frame.faults);
    tickCountdowns(view.faults, now);
    controls.showHeld(frame.faults);
  },
  // The faults' time left ticks every half second, by the controller's clock.
  onTick: (now) => tickCountdowns(view.faults, now),
  // A game day is on: its faults and scenario are the facilitator's alone.
  refused: (status) => ({
    link: status === 403 ? 'refused' : 'token needed',
    banner: "A game day is on: this is the facilitator's view, and it needs the admin token (Facilitator ▸ Admin token). Responders: open /responders with the token the facilitator gave you.",
  }),
});
screen.connect('/api/live', () => bearer(adminToken.get()));
