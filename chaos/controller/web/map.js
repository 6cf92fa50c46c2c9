// The service map: the lab's architecture drawn from its topology (the services the controller knows,
// by kind), each service coloured by readiness (green ready, amber answering but not ready, red not
// answering), the kv and app endpoints with what they resolve to right now.
//
//   loadgen ──► app endpoint ──► nlb nodes ──► droplet hosts (instances)
//                                 launcher ──┘ (launches)
//   controller   kv endpoint ◄── (leases)
//                     └──► kv nodes ──► redis
//   planner, enactors ──► fault-proxy ──► dns-server
import { replace, s } from './dom.js';

const W = 226;
const H = 46;
const PITCH = 56;
const GROUP_GAP = 24;
const COLS = [6, 268, 530, 792];
const WIDTH = 1024;
const STATE_WORD = { ready: '✓', alive: '!', dead: '✕' };

/** Where each kind goes: [group, column]; the endpoints are drawn apart. */
const PLACES = {
  loadgen: ['traffic', 0],
  nlb: ['traffic', 2],
  droplet: ['traffic', 3],
  ec2: ['ec2', 2],
  controller: ['data', 0],
  'kv-store': ['data', 2],
  'dns-planner': ['dns', 0],
  'dns-enactor': ['dns', 0],
  'fault-proxy': ['dns', 1],
  'dns-server': ['dns', 2],
};
const GROUPS = ['traffic', 'ec2', 'data', 'dns', 'other'];
const ENDPOINT_GROUP = { app: 'traffic', kv: 'data' };

const suffix = (name) => /-(az-[a-z])$/.exec(name)?.[1] ?? null;

/** Boxes for every service and endpoint, from the topology; `endpoints` are the names the stream resolves. */
export function layout(topology, endpoints) {
  const columns = Object.fromEntries(GROUPS.map((g) => [g, [[], [], [], []]]));
  for (const service of topology.services) {
    const [group, column] = PLACES[service.kind] ?? ['other', 0];
    columns[group][column].push({ id: service.name, kind: service.kind });
  }
  for (const name of topology.infra ?? []) columns.data[3].push({ id: name, kind: 'infra' });
  for (const name of endpoints) {
    const key = name.split('.')[0];
    columns[ENDPOINT_GROUP[key] ?? 'other'][1].push({ id: name, kind: 'endpoint', label: `${key} endpoint` });
  }
  const boxes = new Map();
  let y = 8;
  for (const group of GROUPS) {
    const cols = columns[group];
    const rows = Math.max(0, ...cols.map((c) => c.filter((n) => n.kind !== 'endpoint').length), cols[1].some((n) => n.kind === 'endpoint') ? 3 : 0);
    if (rows === 0) continue;
    const height = rows * PITCH - (PITCH - H);
    cols.forEach((items, c) => {
      const endpoint = items.find((n) => n.kind === 'endpoint');
      if (endpoint) {
        boxes.set(endpoint.id, { ...endpoint, x: COLS[c], y, w: W, h: height });
        return;
      }
      const top = y + (height - (items.length * PITCH - (PITCH - H))) / 2;
      items.forEach((n, i) => boxes.set(n.id, { ...n, x: COLS[c], y: top + i * PITCH, w: W, h: H }));
    });
    y += height + GROUP_GAP;
  }
  return { boxes, height: y - GROUP_GAP + 8 };
}

/** Who talks to whom, as the architecture has it; only between boxes that exist. */
export function edges(boxes, endpoints) {
  const of = (kind) => [...boxes.values()].filter((b) => b.kind === kind);
  const app = endpoints.find((e) => e.startsWith('app.'));
  const kv = endpoints.find((e) => e.startsWith('kv.'));
  const out = [];
  const add = (from, to, kind = 'flow') => from && to && boxes.has(from) && boxes.has(to) && out.push({ from, to, kind });
  for (const l of of('loadgen')) add(l.id, app);
  const droplets = of('droplet');
  for (const n of of('nlb')) {
    add(app, n.id);
    const same = droplets.filter((d) => suffix(d.id) && suffix(d.id) === suffix(n.id));
    for (const d of same.length ? same : droplets) add(n.id, d.id);
  }
  // The enactors reach the DNS server through the fault proxy; a view without it (the responders') links them directly.
  const proxy = of('fault-proxy')[0]?.id;
  const dnsServer = of('dns-server')[0]?.id;
  for (const e of of('dns-enactor')) add(e.id, proxy ?? dnsServer);
  if (proxy) for (const d of of('dns-server')) add(proxy, d.id);
  for (const k of of('kv-store')) {
    add(kv, k.id);
    add(k.id, 'redis');
  }
  for (const l of of('ec2')) {
    add(l.id, kv, 'lease');
    for (const d of droplets) add(l.id, d.id, 'launch');
  }
  return out;
}

/** A curve from the side of `a` that faces `b` to the side of `b` that faces `a`. */
function path(a, b) {
  const forward = b.x >= a.x + a.w;
  const x1 = forward ? a.x + a.w : a.x;
  const x2 = forward ? b.x : b.x + b.w;
  const y1 = a.y + a.h / 2;
  const y2 = b.y + b.h / 2;
  const dx = Math.max(30, Math.abs(x2 - x1) / 2) * (forward ? 1 : -1);
  return `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
}

export class ServiceMap {
  constructor(svg) {
    this.svg = svg;
    this.nodes = new Map();
    this.endpoints = [];
  }

  /** Draws the map again (the topology changed, or the first time). */
  draw(topology, endpoints) {
    this.endpoints = endpoints;
    const { boxes, height } = layout(topology, endpoints);
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${height}`);
    const defs = s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })));
    const lines = edges(boxes, endpoints).map((e) => s('path', { d: path(boxes.get(e.from), boxes.get(e.to)), class: `edge edge-${e.kind}`, 'marker-end': 'url(#arrow)', 'data-from': e.from, 'data-to': e.to }));
    this.nodes = new Map();
    const nodes = [...boxes.values()].map((b) => {
      const g = b.kind === 'endpoint' ? this.endpointNode(b) : this.serviceNode(b);
      this.nodes.set(b.id, g);
      return g;
    });
    replace(this.svg, defs, s('g', { class: 'edges' }, lines), s('g', { class: 'nodes' }, nodes));
  }

  serviceNode(b) {
    const g = s('g', { class: 'node state-unknown', 'data-service': b.id, 'data-state': 'unknown', transform: `translate(${b.x},${b.y})` });
    g.append(s('title', {}, `${b.id} (${b.kind})`), s('rect', { width: b.w, height: b.h, rx: 9 }), s('text', { x: 14, y: 30, class: 'name' }, b.id), s('text', { x: b.w - 14, y: 31, class: 'mark', 'text-anchor': 'end' }, '?'));
    return g;
  }

  endpointNode(b) {
    const g = s('g', { class: 'node endpoint state-unknown', 'data-endpoint': b.id, 'data-state': 'unknown', transform: `translate(${b.x},${b.y})` });
    g.dataset.lines = String(Math.max(1, Math.floor((b.h - 84) / 22)));
    g.append(
      s('title', {}, b.id),
      s('rect', { width: b.w, height: b.h, rx: 9 }),
      s('text', { x: 14, y: 28, class: 'name' }, b.label),
      s('text', { x: 14, y: 48, class: 'fqdn' }, b.id.replace(/\.lab\.internal$/, '')),
      s('text', { x: 14, y: 76, class: 'summary' }, '…'),
      s('g', { class: 'addresses' }),
    );
    return g;
  }

  /** Colours every node by the frame's readiness and writes what each endpoint resolves to. */
  update(frame) {
    for (const [id, g] of this.nodes) {
      if (g.classList.contains('endpoint')) continue;
      const state = frame.services[id] ?? 'unknown';
      if (g.dataset.state === state) continue;
      g.dataset.state = state;
      g.setAttribute('class', `node state-${state}`);
      g.querySelector('.mark').textContent = STATE_WORD[state] ?? '?';
    }
    for (const endpoint of frame.endpoints) {
      const g = this.nodes.get(endpoint.name);
      if (!g) continue;
      const addresses = endpoint.addresses;
      const state = addresses === null ? 'alive' : addresses.length ? 'ready' : 'dead';
      g.dataset.state = state;
      g.dataset.addresses = addresses === null ? '' : String(addresses.length);
      g.setAttribute('class', `node endpoint state-${state}`);
      g.querySelector('.summary').textContent =
        addresses === null ? 'DNS not answering' : addresses.length ? `${addresses.length} address${addresses.length === 1 ? '' : 'es'}` : 'EMPTY';
      const room = Number(g.dataset.lines);
      const all = [...(addresses ?? [])].sort();
      const shown = all.length > room ? all.slice(0, room - 1) : all;
      const lines = shown.map((a, i) => s('text', { x: 14, y: 102 + i * 22, class: 'address' }, a));
      // What DynamoDB's clients got on 20 October: an answer, and nothing in it.
      if (addresses?.length === 0) lines.push(s('text', { x: 14, y: 102, class: 'address' }, 'NOERROR, 0 answers'));
      if (all.length > shown.length) lines.push(s('text', { x: 14, y: 102 + shown.length * 22, class: 'address' }, `+${all.length - shown.length} more`));
      replace(g.querySelector('.addresses'), lines);
    }
  }
}
