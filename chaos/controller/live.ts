// The live stream behind the dashboard: GET /api/live, server-sent events. One producer for every
// subscriber: each timeline sample becomes one frame, built once (every service's readiness, what the
// endpoints resolve to, the faults in place, the run's progress, the new events) and written as one
// string to every open connection. A new connection first gets `hello`, with the last window of the
// charted series, so its charts are full at once. A connection may see the stream through a view (a
// game day's responders see no fault, no run, no scenario): each frame is projected and written once
// per view, not once per connection.
//
//   Timeline ──sample──► LiveFeed ──frame (one JSON string)──► subscriber × N (SSE)
//                          ▲ probes, each within probeTimeoutMs     │ heartbeat every heartbeatMs
//                          └ /readyz of every service, DNS,         │ too far behind (buffered bytes):
//                            faults, run                            ▼ dropped, never buffered without bound
import type { Clock } from '../../lib/clock.js';
import { withDeadline } from '../../lib/deadline.js';
import { unavailable } from '../../lib/errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LabApp } from '../../lib/http.js';
import { Counter, Gauge, type Registry } from '../../lib/metrics.js';
import type { LabService, Topology } from '../topology.js';
import {
  LIVE_SERIES,
  type LiveEndpoint,
  type LiveFault,
  type LiveFrame,
  type LiveHello,
  type LiveHistory,
  type LivePoint,
  type LiveTopology,
  type RunInfo,
  type ServiceState,
  type ServiceStatus,
} from './contract.js';
import { SERIES, type Timeline, type TimelineEvent, type TimelineSample } from './timeline.js';

/** Where a frame's parts come from (live-sources.ts wires the controller's own). */
export interface LiveSources {
  topology(): Topology | Promise<Topology>;
  /** A service's /readyz, answered within timeoutMs or counted as not alive. */
  status(service: LabService, timeoutMs: number): Promise<ServiceStatus>;
  /** The addresses a name resolves to at the lab's DNS server; rejects when it does not answer. */
  resolve(name: string, timeoutMs: number): Promise<string[]>;
  /** The faults in place: the controller's own, and the fault proxy's toxics when it answers in time. */
  faults(timeoutMs: number): Promise<LiveFault[]>;
  /** The run going on, or the last one to finish. */
  run(): RunInfo | null;
  /** What the map shows that is no lab service (Redis, as the controller reaches it): ready when the probe answers. */
  infra?: Record<string, () => Promise<unknown>>;
}

export interface LiveOptions {
  /** The names whose addresses every frame carries (the kv and app endpoints). */
  endpoints: string[];
  /** Budget of each probe of a frame: a dead or frozen service costs no more. */
  probeTimeoutMs: number;
  /** How much history `hello` carries. */
  windowMs: number;
  heartbeatMs: number;
  /** A subscriber with more than this many bytes not yet sent is dropped. */
  maxBufferedBytes: number;
  maxSubscribers: number;
  /** Events carried by `hello` (the newest); a frame carries the events of its samples. */
  helloEvents?: number;
  registry?: Registry;
}

/** What one kind of page may see of the stream: `hello` and each frame, projected. */
export interface LiveView {
  hello(hello: LiveHello): unknown;
  frame(frame: LiveFrame): unknown;
}

/** Everything: the facilitator's page and the room's screen outside a game. */
export const FULL_VIEW: LiveView = { hello: (h) => h, frame: (f) => f };

/** One open connection, as the feed writes to it. */
export interface LiveSink {
  write(chunk: string): void;
  /** Bytes written but not yet sent. */
  buffered(): number;
  /** Ends the stream cleanly (the controller stops). */
  end(): void;
  /** Cuts the connection (it fell behind). */
  close(): void;
  /** It came with the admin token: a game day starting leaves it open. */
  trusted?: boolean;
}

export const sseMessage = (event: string, data: unknown, id?: number) => `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;

export const stateOf = (status: Pick<ServiceStatus, 'alive' | 'ready'>): ServiceState => (status.ready ? 'ready' : status.alive ? 'alive' : 'dead');

const point = (sample: TimelineSample): LivePoint => {
  const p = { t: sample.t } as LivePoint;
  for (const name of LIVE_SERIES) p[name] = sample[name];
  return p;
};

export function historyOf(samples: TimelineSample[]): LiveHistory {
  const history = { t: samples.map((s) => s.t) } as LiveHistory;
  for (const name of LIVE_SERIES) history[name] = samples.map((s) => s[name]);
  return history;
}

const topologyKey = (t: LiveTopology) => JSON.stringify([t.services.map((s) => [s.name, s.kind]), t.roles, t.infra]);

export class LiveFeed {
  private readonly subscribers = new Map<LiveSink, LiveView>();
  private readonly pending: TimelineSample[] = [];
  private building: Promise<void> | null = null;
  private latest: LiveFrame | null = null;
  /** The newest sample already sent in a frame: `hello` carries samples up to it, the next frame the rest. */
  private framedUntil = -Infinity;
  private topology: LiveTopology | null = null;
  private seq = 0;
  private unsubscribe: (() => void) | null = null;
  private readonly stopper = new AbortController();
  private heartbeat: Promise<void> | null = null;
  private readonly metrics;
  private readonly frameListeners = new Set<(frame: LiveFrame) => void>();

  constructor(
    private readonly timeline: Timeline,
    private readonly sources: LiveSources,
    private readonly clock: Clock,
    readonly opts: LiveOptions,
  ) {
    const registers = opts.registry ? [opts.registry] : [];
    this.metrics = {
      subscribers: new Gauge({ name: 'controller_live_subscribers', help: 'Open connections to the live stream (GET /api/live)', registers }),
      frames: new Counter({ name: 'controller_live_frames_total', help: 'Frames made for the live stream', registers }),
      dropped: new Counter({ name: 'controller_live_dropped_total', help: 'Live-stream connections dropped for falling behind', registers }),
    };
  }

  /** Makes a frame of every timeline sample from now on, and starts the heartbeat. */
  start(): void {
    this.unsubscribe ??= this.timeline.onSample((sample) => {
      this.pending.push(sample);
      this.drain();
    });
    this.heartbeat ??= (async () => {
      while (!this.stopper.signal.aborted) {
        await this.clock.sleep(this.opts.heartbeatMs, this.stopper.signal).catch(() => undefined);
        if (!this.stopper.signal.aborted) {
          const beat = sseMessage('heartbeat', { t: this.clock.now() });
          this.broadcast(() => beat);
        }
      }
    })();
  }

  /** Stops making frames and ends every connection. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.stopper.abort();
    await this.heartbeat;
    await this.building;
    for (const sink of this.subscribers.keys()) sink.end();
    this.subscribers.clear();
    this.metrics.subscribers.set(0);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** The newest frame, null before the first sample. */
  get frame(): LiveFrame | null {
    return this.latest;
  }

  /**
   * Cuts every connection of the full view that came without the admin token (a game day begins: what
   * it shows is the facilitator's from now on); their pages reconnect and are asked for the token.
   */
  closeUntrusted(): number {
    let cut = 0;
    for (const [sink, view] of this.subscribers) {
      if (view !== FULL_VIEW || sink.trusted) continue;
      this.subscribers.delete(sink);
      sink.close();
      cut++;
    }
    this.metrics.subscribers.set(this.subscribers.size);
    return cut;
  }

  /** Calls `listener` with every frame from now on (a game day notes the faults in place); returns its removal. */
  onFrame(listener: (frame: LiveFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => void this.frameListeners.delete(listener);
  }

  /** A 503 when the stream already serves as many connections as it may. */
  admit(): void {
    if (this.subscribers.size >= this.opts.maxSubscribers) throw unavailable(`the live stream serves ${this.opts.maxSubscribers} connections already`);
  }

  /** Adds a connection: it gets `hello` now, then every frame and heartbeat, through its view. Returns its removal. */
  subscribe(sink: LiveSink, view: LiveView = FULL_VIEW): () => void {
    this.admit();
    this.subscribers.set(sink, view);
    this.metrics.subscribers.set(this.subscribers.size);
    this.send(sink, sseMessage('hello', view.hello(this.hello())));
    return () => {
      this.subscribers.delete(sink);
      this.metrics.subscribers.set(this.subscribers.size);
    };
  }

  hello(): LiveHello {
    const now = this.clock.now();
    const samples = this.timeline.since(now - this.opts.windowMs, this.framedUntil);
    return {
      t: now,
      intervalMs: this.timeline.opts.intervalMs,
      windowMs: this.opts.windowMs,
      heartbeatMs: this.opts.heartbeatMs,
      series: Object.fromEntries(LIVE_SERIES.map((name) => [name, SERIES[name].label])),
      topology: this.topology,
      history: historyOf(samples),
      events: samples.flatMap((s) => s.events).slice(-(this.opts.helloEvents ?? 100)),
      frame: this.latest,
    };
  }

  /** Builds one frame from the samples since the last one and the probes made now. */
  async makeFrame(samples: TimelineSample[]): Promise<LiveFrame> {
    const budget = this.opts.probeTimeoutMs;
    // Each source keeps to the budget itself; this is the backstop, should one not.
    const guard = 2 * budget;
    const topology = await withDeadline(Promise.resolve(this.sources.topology()), budget).catch(() => null);
    const infra = Object.entries(this.sources.infra ?? {});
    const [statuses, endpoints, faults, infraUp] = await Promise.all([
      Promise.all((topology?.services ?? []).map((s) => this.sources.status(s, budget).catch(() => ({ alive: false, ready: false })))),
      Promise.all(
        this.opts.endpoints.map((name): Promise<LiveEndpoint> =>
          withDeadline(this.sources.resolve(name, budget), guard).then(
            (addresses) => ({ name, addresses }),
            () => ({ name, addresses: null }),
          ),
        ),
      ),
      withDeadline(this.sources.faults(budget), guard).catch((): LiveFault[] => []),
      Promise.all(infra.map(([, probe]) => withDeadline(probe(), budget).then(() => true, () => false))),
    ]);
    const services: Record<string, ServiceState> = {};
    (topology?.services ?? []).forEach((s, i) => (services[s.name] = stateOf(statuses[i]!)));
    infra.forEach(([name], i) => (services[name] = infraUp[i] ? 'ready' : 'dead'));
    const events: TimelineEvent[] = samples.flatMap((s) => s.events);
    const eventsDropped = samples.reduce((n, s) => n + (s.eventsDropped ?? 0), 0);
    const frame: LiveFrame = {
      seq: ++this.seq,
      t: this.clock.now(),
      points: samples.map(point),
      services,
      endpoints,
      faults,
      run: this.sources.run(),
      events,
      ...(eventsDropped ? { eventsDropped } : {}),
    };
    if (topology) {
      const current: LiveTopology = { ...topology.toJSON(), infra: infra.map(([name]) => name) };
      if (!this.topology || topologyKey(this.topology) !== topologyKey(current)) {
        this.topology = current;
        frame.topology = current;
      }
    }
    return frame;
  }

  /** One frame at a time; samples that arrive meanwhile go into the next one, none is lost. */
  private drain(): void {
    if (this.building || this.stopper.signal.aborted) return;
    this.building = (async () => {
      while (this.pending.length && !this.stopper.signal.aborted) {
        const samples = this.pending.splice(0);
        const frame = await this.makeFrame(samples);
        this.latest = frame;
        this.framedUntil = Math.max(this.framedUntil, ...samples.map((s) => s.t));
        this.metrics.frames.inc();
        for (const listener of this.frameListeners) listener(frame);
        this.broadcast((view) => sseMessage('frame', view.frame(frame), frame.seq));
      }
    })().finally(() => {
      this.building = null;
      if (this.pending.length) this.drain();
    });
  }

  /** Writes a message to every connection, made once per view. */
  private broadcast(message: (view: LiveView) => string): void {
    const made = new Map<LiveView, string>();
    for (const [sink, view] of this.subscribers) {
      let chunk = made.get(view);
      if (chunk === undefined) made.set(view, (chunk = message(view)));
      this.send(sink, chunk);
    }
  }

  /** Writes to one connection, or drops it when it has fallen too far behind to catch up. */
  private send(sink: LiveSink, chunk: string): void {
    if (sink.buffered() > this.opts.maxBufferedBytes) {
      this.subscribers.delete(sink);
      this.metrics.subscribers.set(this.subscribers.size);
      this.metrics.dropped.inc();
      sink.close();
      return;
    }
    sink.write(chunk);
  }
}

/**
 * GET /api/live. No token outside a game day: it shows what the room's screen shows to anyone who can
 * reach port 8080, and sends no secret. During a game it shows the faults, the scenario and its phases,
 * so it answers only to the admin token (the responders have their own view, /api/responders/live).
 * Plain server-sent events, so `curl -N` and EventSource read it as well as the page does.
 */
export function registerLiveRoutes(app: LabApp, feed: LiveFeed): void {
  app.get('/api/live', { onRequest: app.facilitatorRead }, async (req, reply) => {
    const trusted = await app.requireAdmin(req, reply).then(
      () => true,
      () => false,
    );
    streamLive(feed, FULL_VIEW, req, reply, trusted);
  });
  // An open stream would keep app.close() waiting for ever.
  app.addHook('preClose', async () => feed.stop());
}

/** Answers a request with the live stream through a view: server-sent events until the connection ends. */
export function streamLive(feed: LiveFeed, view: LiveView, req: FastifyRequest, reply: FastifyReply, trusted = false): void {
  feed.admit();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  req.raw.socket.setNoDelay(true);
  const open = () => !res.destroyed && !res.writableEnded;
  const sink: LiveSink = {
    write: (chunk) => void (open() && res.write(chunk)),
    buffered: () => res.writableLength,
    end: () => void (open() && res.end()),
    close: () => res.destroy(),
    trusted,
  };
  // A connection cut between a write and its 'close' must not become an unhandled error.
  res.on('error', () => undefined);
  const unsubscribe = feed.subscribe(sink, view);
  res.on('close', unsubscribe);
}
