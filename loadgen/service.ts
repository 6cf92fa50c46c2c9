// The loadgen as a lab service: one generator that runs until shutdown, its outcomes exported as
// Prometheus metrics, and domain events when customers start and stop seeing errors, so the
// controller's timeline shows when the outage reached them.
import type { EventLog } from '../lib/events.js';
import type { Readiness } from '../lib/http.js';
import type { Logger } from '../lib/log.js';
import { Counter, Gauge, Histogram, type Registry } from '../lib/metrics.js';
import { LoadGenerator, type GeneratorOptions, type GeneratorSnapshot } from './generator.js';
import { formatErrors } from './report.js';
import type { Rate } from './options.js';
import { ERROR_KINDS, type ErrorKind } from './outcome.js';
import type { SecondStats } from './series.js';

export interface LoadgenServiceOptions extends Omit<GeneratorOptions, 'onSecond' | 'onOutcome'> {
  /** Seconds of series returned by state(). */
  stateSeconds: number;
}

export class LoadgenService {
  private readonly generator: LoadGenerator;
  private inErrors = false;

  constructor(
    private readonly opts: LoadgenServiceOptions,
    private readonly deps: { registry: Registry; events: EventLog; log: Logger },
  ) {
    const requests = new Counter({
      name: 'loadgen_requests_total',
      help: 'customer requests by outcome (success, or the error kind)',
      labelNames: ['outcome'],
      registers: [deps.registry],
    });
    const latency = new Histogram({
      name: 'loadgen_request_duration_seconds',
      help: 'customer latency from the scheduled send time to the end of the response',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [deps.registry],
    });
    // Label children bound once, so the per-request path does no label hashing.
    const success = requests.labels({ outcome: 'success' });
    const byKind = new Map<ErrorKind, Counter.Internal>(ERROR_KINDS.map((k) => [k, requests.labels({ outcome: k })]));
    this.generator = new LoadGenerator({
      ...opts,
      onOutcome: (kind, latencyUs) => {
        (kind === null ? success : byKind.get(kind)!).inc();
        if (latencyUs >= 0) latency.observe(latencyUs / 1e6);
      },
      onSecond: (s) => this.onSecond(s),
    });
    const gen = this.generator;
    new Gauge({
      name: 'loadgen_rate',
      help: 'configured arrival rate in requests per second (0 when paused, -1 for max)',
      registers: [deps.registry],
      collect() {
        this.set(gen.isPaused ? 0 : gen.currentRate === 'max' ? -1 : gen.currentRate);
      },
    });
    new Gauge({
      name: 'loadgen_in_flight',
      help: 'requests sent and not yet answered',
      registers: [deps.registry],
      collect() {
        this.set(gen.pending.inFlight);
      },
    });
    new Gauge({
      name: 'loadgen_queued',
      help: 'scheduled requests waiting for a free connection',
      registers: [deps.registry],
      collect() {
        this.set(gen.pending.queued);
      },
    });
  }

  start(): void {
    this.generator.start();
    this.deps.events.emit('loadgen-started', { target: this.generator.url.href, rate: this.generator.currentRate });
  }

  /** Stops quickly (shutdown): requests not answered within a second count as timeouts. */
  stop(): Promise<void> {
    return this.generator.stop(1000);
  }

  setRate(rate: Rate): void {
    const from = this.generator.currentRate;
    this.generator.setRate(rate);
    this.deps.events.emit('rate-changed', { from, to: rate });
  }

  pause(): void {
    if (this.generator.isPaused) return;
    this.generator.pause();
    this.deps.events.emit('paused');
  }

  resume(): void {
    if (!this.generator.isPaused) return;
    this.generator.resume();
    this.deps.events.emit('resumed', { rate: this.generator.currentRate });
  }

  state(): GeneratorSnapshot {
    return this.generator.snapshot(this.opts.stateSeconds);
  }

  async ready(): Promise<Readiness> {
    const alive = this.generator.alive();
    const detail = !alive ? 'generator loop not running' : this.generator.isPaused ? 'running, paused' : 'running';
    return { ok: alive, checks: { generator: { ok: alive, detail } } };
  }

  private onSecond(s: SecondStats): void {
    if (s.errors > 0 && !this.inErrors) {
      this.inErrors = true;
      this.deps.events.emit('customer-errors-started', { second: s.t, requests: s.requests, errors: s.errors, errorsByKind: s.errorsByKind });
      this.deps.log.warn({ second: s.t, errors: s.errors }, `customers see errors: ${formatErrors(s.errorsByKind)}`);
    } else if (s.errors === 0 && s.requests > 0 && this.inErrors) {
      this.inErrors = false;
      this.deps.events.emit('customer-errors-ended', { second: s.t, requests: s.requests });
      this.deps.log.info({ second: s.t }, 'customers see no more errors');
    }
  }
}
