// The live charts (uPlot, served from the controller's own node_modules): the charted series over a
// sliding window, a point per timeline sample. A sample where a service did not answer is null, drawn
// as a gap; the window keeps sliding while the page is connected, so a dead source never looks frozen.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { h, replace } from './dom.js';

export const CHARTS = [
  { id: 'success', title: 'Customer success', unit: '%', range: [0, 100], series: [{ key: 'customerSuccessRate', color: '#3ddc84', factor: 100, digits: 1 }] },
  { id: 'p99', title: 'Customer p99 latency', unit: 'ms', series: [{ key: 'customerP99Ms', color: '#4ea3ff' }] },
  { id: 'kv', title: 'Addresses in the kv endpoint', series: [{ key: 'kvAddresses', color: '#ff6b61' }] },
  {
    id: 'leases',
    title: 'Leased droplets',
    series: [
      { key: 'dwfmLeased', color: '#ffb020' },
      { key: 'dwfmDroplets', label: 'of', color: '#8a96a3', dash: [10, 8] },
    ],
  },
  {
    id: 'queues',
    title: 'Work queues',
    series: [
      { key: 'dwfmQueueDepth', label: 'DWFM', color: '#ffb020' },
      { key: 'networkBacklog', label: 'network', color: '#c08cff' },
    ],
  },
  { id: 'nlb', title: 'NLB healthy capacity', series: [{ key: 'nlbHealthyCapacity', color: '#4ea3ff' }] },
];

const AXIS = { stroke: '#c6d0da', font: '16px system-ui, sans-serif', grid: { stroke: '#26313c', width: 1 }, ticks: { stroke: '#26313c', width: 1 } };

/** An x tick as the room reads it: 14:05 (uPlot's own adds the date on a second line). */
const minuteOf = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false, hour: '2-digit', minute: '2-digit' });

const lastValue = (ys) => {
  for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null && ys[i] !== undefined) return { value: ys[i], fresh: i === ys.length - 1 };
  return null;
};

class LiveChart {
  constructor(root, spec) {
    this.spec = spec;
    this.root = root;
    this.xs = [];
    this.ys = spec.series.map(() => []);
    this.values = spec.series.map((series) => h('span', { class: 'value', style: `color:${series.color}` }, '—'));
    const header = h(
      'header',
      {},
      h('h3', {}, spec.title),
      h('div', { class: 'values' }, spec.series.map((series, i) => [series.label ? h('span', { class: 'label' }, series.label) : null, this.values[i]])),
    );
    this.body = h('div', { class: 'plot' });
    replace(root, header, this.body);
    root.dataset.series = spec.series.map((x) => x.key).join(' ');
    const { width, height } = this.size();
    this.plot = new uPlot(
      {
        width,
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: true }, y: { range: spec.range ? () => spec.range : (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.15) : 1] } },
        axes: [{ ...AXIS, size: 40, values: (_u, splits) => splits.map(minuteOf) }, { ...AXIS, size: 64 }],
        series: [{}, ...spec.series.map((series) => ({ stroke: series.color, width: 3, dash: series.dash, points: { show: false } }))],
      },
      [[], ...spec.series.map(() => [])],
      this.body,
    );
    new ResizeObserver(() => this.plot.setSize(this.size())).observe(this.body);
  }

  size() {
    return { width: Math.max(200, this.body.clientWidth), height: Math.max(120, this.body.clientHeight) };
  }

  /** Everything again, from a window of history (a new connection). */
  reset(history) {
    this.xs = history.t.slice();
    this.ys = this.spec.series.map((series) => history[series.key].map((v) => this.scaled(series, v)));
  }

  push(points) {
    for (const p of points) {
      this.xs.push(p.t);
      this.spec.series.forEach((series, i) => this.ys[i].push(this.scaled(series, p[series.key])));
    }
  }

  scaled(series, v) {
    return v === null || v === undefined ? null : v * (series.factor ?? 1);
  }

  /** Drops what left the window, slides it to end at `now`, redraws, and shows the newest values. */
  render(now, windowMs) {
    const from = now - windowMs;
    let drop = 0;
    while (drop < this.xs.length && this.xs[drop] < from) drop++;
    if (drop) {
      this.xs.splice(0, drop);
      for (const ys of this.ys) ys.splice(0, drop);
    }
    this.plot.batch(() => {
      this.plot.setData([this.xs.map((t) => t / 1000), ...this.ys], false);
      this.plot.setScale('x', { min: from / 1000, max: now / 1000 });
    });
    this.spec.series.forEach((series, i) => {
      const last = lastValue(this.ys[i]);
      const el = this.values[i];
      el.textContent = last ? `${last.value.toFixed(series.digits ?? 0)}${this.spec.unit && i === 0 ? ` ${this.spec.unit}` : ''}` : 'no data';
      el.classList.toggle('stale', !last?.fresh);
    });
    this.root.dataset.points = String(this.xs.length);
    this.root.dataset.lastT = String(this.xs.at(-1) ?? '');
  }
}

export class Charts {
  constructor(container) {
    this.charts = CHARTS.map((spec) => {
      const root = h('section', { class: 'chart', 'data-chart': spec.id });
      container.append(root);
      return new LiveChart(root, spec);
    });
  }

  reset(history) {
    for (const c of this.charts) c.reset(history);
  }

  push(points) {
    for (const c of this.charts) c.push(points);
  }

  render(now, windowMs) {
    for (const c of this.charts) c.render(now, windowMs);
  }
}
