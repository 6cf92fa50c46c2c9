// The load generator: customer traffic against one URL over `connections` undici Clients (one keep-alive
// socket each, optional pipelining), in one of two modes.
//
//   open loop (rate R):   request i is *scheduled* at epoch + i/R, whatever the target does
//
//     schedule ─► admit ──(free slot)──────────────► send ──► response ─► record (now - scheduled)
//                   │                                  ▲
//                   └─(none free)─► queue ─────────────┘ (waited past timeout: error "timeout")
//                                     └─(queue full)─► error "overload"
//
//   closed loop (max):    every slot sends its next request as soon as the previous one ends; latency
//                         is from the real send. For throughput, never for outage latency.
//
// Latency is measured from the scheduled send time (coordinated-omission correction, as in wrk2): when
// the target stalls, the requests that should have gone out meanwhile are late, and that lateness is
// latency a customer would have seen. The target's hostname goes through the OS resolver (getaddrinfo)
// for each new connection, so a DNS outage reaches the customers as it would in production.
//
// Each request takes a free slot (a Client with room in its pipeline) and gives it back when it ends, as
// wrk binds requests to connections. An undici Pool would pick the Client itself, but that routing cost
// about 7 % of the requests per second at --rate max (bench/loadgen).
import { performance } from 'node:perf_hooks';
import { Client, type Dispatcher } from 'undici';
import { parseSuccessStatuses, type Rate } from './options.js';
import { errorKind, statusKind, type ErrorKind } from './outcome.js';
import { RunStats, type LatencySummary, type SecondStats, type Totals } from './series.js';
import type { LoadgenState } from './state.js';

export interface GeneratorOptions {
  url: string | URL;
  rate: Rate;
  connections: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining); 1 = none. */
  pipelining?: number;
  /** Connect, headers and body timeouts, and the longest a scheduled request may wait to be sent. */
  timeoutMs?: number;
  /** Open loop: scheduled requests allowed to wait for a free slot; beyond it they fail as overload. */
  maxQueue?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Lookup table from parseSuccessStatuses(); 200-399 by default. */
  successStatuses?: Uint8Array;
  /** Close a connection after this many requests (0 = never), so new connections resolve the name again. */
  maxRequestsPerConnection?: number;
  /** Closed seconds kept in the series (a continuous service keeps the last N). */
  seriesLimit?: number;
  onSecond?: (s: SecondStats) => void;
  /** Every outcome (kind null = success), for exporters; latencyUs < 0 when there was no response. */
  onOutcome?: (kind: ErrorKind | null, latencyUs: number) => void;
}

export interface RunResult {
  url: string;
  mode: 'open-loop' | 'closed-loop';
  rate: Rate;
  connections: number;
  pipelining: number;
  timeoutMs: number;
  /** From the first request to the last answer. */
  elapsedMs: number;
  totals: Totals;
  latency: LatencySummary | null;
  series: SecondStats[];
}

/** What snapshot() answers: the loadgen's /lab/state (loadgen/state.ts). */
export type GeneratorSnapshot = LoadgenState;

const DEFAULT_SUCCESS = parseSuccessStatuses('200-399');
const HEARTBEAT_MS = 200;

/** Times of scheduled requests waiting for a slot, oldest first (a growable ring). */
class ScheduleQueue {
  private items = new Float64Array(1024);
  private head = 0;
  size = 0;
  push(t: number): void {
    if (this.size === this.items.length) {
      const bigger = new Float64Array(this.items.length * 2);
      for (let i = 0; i < this.size; i++) bigger[i] = this.items[(this.head + i) % this.items.length]!;
      this.items = bigger;
      this.head = 0;
    }
    this.items[(this.head + this.size) % this.items.length] = t;
    this.size++;
  }
  shift(): number {
    const t = this.items[this.head]!;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return t;
  }
}

/** One request on the wire: the handler undici calls back; the body is read and dropped. */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  constructor(
    private readonly gen: LoadGenerator,
    private readonly scheduled: number,
    private readonly slot: number,
  ) {}
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    this.gen.completed(this.scheduled, this.status, undefined, this.slot);
  }
  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.gen.completed(this.scheduled, this.status, err, this.slot);
  }
}

export class LoadGenerator {
  readonly url: URL;
  readonly connections: number;
  readonly pipelining: number;
  readonly timeoutMs: number;
  private readonly clients: Client[];
  /** Free slots, a stack of indices into clients: each Client appears once per request it has room for. */
  private readonly free: Int32Array;
  private freeCount = 0;
  private readonly request: Dispatcher.DispatchOptions;
  private readonly success: Uint8Array;
  private readonly maxInFlight: number;
  private readonly fixedMaxQueue: number | undefined;
  private maxQueue = 0;
  private readonly onOutcome: GeneratorOptions['onOutcome'];
  private readonly seriesLimit: number | undefined;
  private readonly onSecond: GeneratorOptions['onSecond'];
  private stats: RunStats;

  private rate: Rate;
  private t0 = 0;
  private state: 'idle' | 'running' | 'draining' | 'stopped' = 'idle';
  private issuing = false;
  private paused = false;
  private abandoned = false;
  private endAt = Number.POSITIVE_INFINITY;
  private epoch = 0;
  private issued = 0;
  private intervalMs = 0;
  private readonly queue = new ScheduleQueue();
  private tickTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastBeat = 0;
  private finishedAt = 0;
  private drained: (() => void) | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(opts: GeneratorOptions) {
    this.url = new URL(opts.url);
    this.rate = opts.rate;
    this.connections = opts.connections;
    this.pipelining = opts.pipelining ?? 1;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxInFlight = this.connections * this.pipelining;
    this.fixedMaxQueue = opts.maxQueue;
    this.success = opts.successStatuses ?? DEFAULT_SUCCESS;
    this.onOutcome = opts.onOutcome;
    const clientOptions: Client.Options = {
      pipelining: this.pipelining,
      connectTimeout: this.timeoutMs,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      ...(opts.maxRequestsPerConnection ? { maxRequestsPerClient: opts.maxRequestsPerConnection } : {}),
    };
    this.clients = Array.from({ length: this.connections }, () => new Client(this.url.origin, clientOptions));
    // Highest index on top, so a slow open-loop rate keeps reusing the first connections, as a Pool would.
    this.free = new Int32Array(this.maxInFlight);
    for (let c = this.connections - 1; c >= 0; c--) for (let p = 0; p < this.pipelining; p++) this.free[this.freeCount++] = c;
    const headers: string[] = [];
    for (const [name, value] of Object.entries(opts.headers ?? {})) headers.push(name, value);
    this.request = {
      path: this.url.pathname + this.url.search,
      method: (opts.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body: opts.body ?? null,
      // A GET "blocks" undici's pipeline until its headers arrive by default, which turns pipelining off.
      blocking: this.pipelining === 1,
    };
    this.seriesLimit = opts.seriesLimit;
    this.onSecond = opts.onSecond;
    this.stats = new RunStats(0, this.seriesLimit, this.onSecond);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** The loop is alive: its heartbeat timer fired recently (a blocked event loop makes this false). */
  alive(now = performance.now()): boolean {
    return this.state === 'running' && now - this.lastBeat < 5 * HEARTBEAT_MS + 1000;
  }

  /** Starts sending; runs until stop() (or, with durationMs, until that much time has passed). */
  start(durationMs?: number): void {
    if (this.state !== 'idle') throw new Error('a LoadGenerator starts once');
    this.state = 'running';
    this.issuing = true;
    this.t0 = performance.now();
    this.lastBeat = this.t0;
    this.stats = new RunStats(this.t0, this.seriesLimit, this.onSecond);
    if (durationMs !== undefined) {
      this.endAt = this.t0 + durationMs;
      this.endTimer = setTimeout(() => void this.stop(), durationMs);
    }
    this.heartbeat = setInterval(() => {
      this.lastBeat = performance.now();
      this.stats.roll(this.lastBeat);
    }, HEARTBEAT_MS);
    this.applyRate(this.t0);
  }

  /** A whole run of durationMs, then the drain of what was already scheduled. */
  async run(durationMs: number): Promise<RunResult> {
    this.start(durationMs);
    await this.stopped;
    return this.result();
  }

  /** Settles when the run is over and its connections are closed (after stop() or the duration). */
  get stopped(): Promise<void> {
    return this.done;
  }

  /**
   * Stops scheduling, sends what was already scheduled and waits for every answer (each bounded by the
   * timeout), then closes the connections. Requests still unanswered well past the timeout count as
   * timeouts.
   */
  stop(graceMs = this.timeoutMs * 2 + 2000): Promise<void> {
    this.stopping ??= this.drainAndClose(graceMs);
    return this.stopping;
  }

  /** Changes the arrival rate from now on (the schedule restarts at the new rate; no catch-up). */
  setRate(rate: Rate): void {
    this.rate = rate;
    if (this.state === 'running') this.applyRate(performance.now());
  }

  pause(): void {
    this.paused = true;
    this.clearTick();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.state === 'running') this.applyRate(performance.now());
  }

  get currentRate(): Rate {
    return this.rate;
  }

  /** Requests sent and not answered yet: the slots taken. */
  private get inFlight(): number {
    return this.maxInFlight - this.freeCount;
  }

  /** Requests sent and not answered yet, and scheduled ones waiting for a slot. */
  get pending(): { inFlight: number; queued: number } {
    return { inFlight: this.inFlight, queued: this.queue.size };
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** The run's histogram of latencies in µs (closed seconds), for exporters. */
  get histogram() {
    return this.stats.histogram;
  }

  snapshot(lastSeconds?: number): GeneratorSnapshot {
    const now = performance.now();
    if (this.state === 'running') this.stats.roll(now);
    return {
      url: this.url.href,
      rate: this.rate,
      paused: this.paused,
      running: this.state === 'running',
      connections: this.connections,
      pipelining: this.pipelining,
      inFlight: this.inFlight,
      queued: this.queue.size,
      uptimeMs: this.state === 'idle' ? 0 : Math.round((this.finishedAt || now) - this.t0),
      totals: this.stats.totals(),
      latency: this.stats.latency(),
      series: this.stats.series(lastSeconds),
    };
  }

  result(): RunResult {
    return {
      url: this.url.href,
      mode: this.rate === 'max' ? 'closed-loop' : 'open-loop',
      rate: this.rate,
      connections: this.connections,
      pipelining: this.pipelining,
      timeoutMs: this.timeoutMs,
      elapsedMs: Math.round(((this.finishedAt || performance.now()) - this.t0) * 1000) / 1000,
      totals: this.stats.totals(),
      latency: this.stats.latency(),
      series: this.stats.series(),
    };
  }

  /** Called by Exchange when a request ends, with or without a response. */
  completed(scheduled: number, status: number, err: Error | undefined, slot: number): void {
    const now = performance.now();
    this.free[this.freeCount++] = slot;
    const latencyUs = Math.round((now - scheduled) * 1000);
    let kind: ErrorKind | null = null;
    if (err !== undefined) {
      kind = this.abandoned ? 'timeout' : errorKind(err);
      this.stats.failure(kind, -1, now);
    } else if (this.success[status] === 1) {
      this.stats.success(latencyUs, now);
    } else {
      kind = statusKind(status);
      this.stats.failure(kind, latencyUs, now);
    }
    if (this.onOutcome !== undefined) this.onOutcome(kind, err === undefined ? latencyUs : -1);

    if (this.rate === 'max' && this.issuing && !this.paused) {
      // Closed loop: this slot sends again. After an error, on the next turn of the loop, so a target
      // that fails synchronously (closed client, refused at once) cannot recurse.
      if (err === undefined) this.send(now);
      else setImmediate(() => this.refill());
    } else if (this.queue.size > 0) {
      this.pump(now);
    } else if (this.inFlight === 0 && this.drained !== undefined) {
      this.drained();
    }
  }

  private applyRate(now: number): void {
    this.clearTick();
    if (this.paused || !this.issuing) return;
    if (this.rate === 'max') {
      this.refill();
      return;
    }
    this.maxQueue = this.fixedMaxQueue ?? Math.min(1_000_000, Math.max(1000, Math.ceil((this.rate * this.timeoutMs) / 1000)));
    this.intervalMs = 1000 / this.rate;
    this.epoch = now;
    this.issued = 0;
    this.tick();
  }

  private readonly tick = (): void => {
    this.tickTimer = undefined;
    if (this.paused || !this.issuing || this.rate === 'max') return;
    const now = performance.now();
    this.issueDue(now, now);
    const next = this.epoch + this.issued * this.intervalMs;
    if (next < this.endAt) this.tickTimer = setTimeout(this.tick, Math.max(0, next - now));
  };

  /** Admits every request of the open-loop schedule due by `until` (and before the end) not issued yet. */
  private issueDue(until: number, now?: number): void {
    for (;;) {
      const scheduled = this.epoch + this.issued * this.intervalMs;
      if (scheduled > until || scheduled >= this.endAt) break;
      this.issued++;
      this.admit(scheduled, now ?? performance.now());
    }
  }

  private admit(scheduled: number, now: number): void {
    if (this.inFlight < this.maxInFlight && this.queue.size === 0) this.send(scheduled);
    else if (this.queue.size < this.maxQueue) this.queue.push(scheduled);
    else {
      this.stats.failure('overload', -1, now);
      if (this.onOutcome !== undefined) this.onOutcome('overload', -1);
    }
  }

  /** Sends waiting requests into free slots; those that waited past the timeout fail without being sent. */
  private pump(now: number): void {
    while (this.inFlight < this.maxInFlight && this.queue.size > 0) {
      const scheduled = this.queue.shift();
      if (now - scheduled > this.timeoutMs) {
        this.stats.failure('timeout', -1, now);
        if (this.onOutcome !== undefined) this.onOutcome('timeout', -1);
      } else this.send(scheduled);
    }
    if (this.inFlight === 0 && this.queue.size === 0 && this.drained !== undefined) this.drained();
  }

  private refill(): void {
    if (this.rate !== 'max' || !this.issuing || this.paused) return;
    const now = performance.now();
    while (this.inFlight < this.maxInFlight) this.send(now);
  }

  private send(scheduled: number): void {
    const slot = this.free[--this.freeCount]!;
    this.clients[slot]!.dispatch(this.request, new Exchange(this, scheduled, slot));
  }

  private closeClients(how: 'close' | 'destroy'): Promise<unknown> {
    return Promise.all(this.clients.map((c) => c[how]().catch(() => undefined)));
  }

  private clearTick(): void {
    if (this.tickTimer !== undefined) clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
  }

  private async drainAndClose(graceMs: number): Promise<void> {
    if (this.state !== 'running') {
      if (this.state === 'idle') {
        this.state = 'stopped';
        await this.closeClients('close');
        this.resolveDone();
      }
      return this.done;
    }
    this.state = 'draining';
    clearTimeout(this.endTimer);
    this.issuing = false;
    this.clearTick();
    // Open loop: everything scheduled before the end is sent; a last tick catches up on the schedule.
    if (this.rate !== 'max' && !this.paused) this.issueDue(Math.min(performance.now(), this.endAt));
    if (this.inFlight > 0 || this.queue.size > 0) {
      const drained = new Promise<void>((resolve) => (this.drained = resolve));
      // The default grace allows for undici's coarse timers (about 0.5 s past 1 s) before giving up.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      if ((await Promise.race([drained, late])) === 'late') {
        this.abandoned = true;
        while (this.queue.size > 0) {
          this.queue.shift();
          this.stats.failure('timeout', -1, performance.now());
        }
        await this.closeClients('destroy');
        if (this.inFlight > 0) await drained;
      }
      clearTimeout(timer);
    }
    this.finishedAt = performance.now();
    clearInterval(this.heartbeat);
    this.stats.finish(this.finishedAt);
    this.state = 'stopped';
    await this.closeClients('close');
    this.resolveDone();
  }
}
