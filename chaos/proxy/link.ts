// One direction of one proxied connection: bytes read from `source` pass through the proxy's toxics for
// that direction, in order, and are written to `dest`. Upstream links carry client -> server bytes,
// downstream links server -> client.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import type { Chunk, Stream, ToxicContext, ToxicWrapper } from './toxic.js';

const END = Symbol('end');
type Item = Chunk | typeof END;

export interface LinkOptions {
  stream: Stream;
  source: Readable;
  dest: Writable;
  /** The proxy's toxics for this stream when the connection opened. */
  chain: readonly ToxicWrapper[];
  clock: Clock;
  /** This connection's own seeded stream: toxicity decisions and jitter. */
  random: Random;
  /** The source is paused while more bytes than this are inside the link (read, not yet written). */
  highWaterMark: number;
  onBytes?: (bytes: number) => void;
}

/**
 * A queue that hands its items one at a time to `handle`, in order, waiting for each to settle. Every
 * stage of a link is one of these, so a chunk held back anywhere holds back the chunks behind it.
 */
class Stage {
  private readonly queue: { item: Item; apply: boolean }[] = [];
  private busy = false;
  constructor(
    private readonly handle: (item: Item, apply: boolean) => void | Promise<void>,
    private readonly onIdle: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  get idle(): boolean {
    return !this.busy && this.queue.length === 0;
  }

  push(item: Item, apply = true): void {
    this.queue.push({ item, apply });
    if (!this.busy) void this.drain();
  }

  clear(): void {
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.handle(next.item, next.apply);
    } catch (err) {
      this.queue.length = 0;
      this.onError(err);
    } finally {
      this.busy = false;
    }
    this.onIdle();
  }
}

/** One toxic of the chain, for this connection. */
class ToxicStage {
  readonly queue: Stage;
  /** Whether the toxic applies to this connection (its toxicity, drawn once). */
  applies: boolean;
  /** Removed from the proxy: chunks already inside keep their treatment, later ones pass straight through. */
  retired = false;

  constructor(
    readonly wrapper: ToxicWrapper,
    private readonly link: Link,
    private readonly ctx: ToxicContext,
    random: Random,
  ) {
    this.applies = wrapper.decide(random);
    this.queue = new Stage(
      (item, apply) => this.handle(item, apply),
      () => link.stageIdle(this),
      (err) => link.stageFailed(err),
    );
  }

  push(item: Item): void {
    // Decided on entry, so a chunk that entered before the toxic was removed still gets its delay.
    this.queue.push(item, this.applies && !this.retired);
  }

  private async handle(item: Item, apply: boolean): Promise<void> {
    const toxic = this.wrapper.toxic;
    if (item === END) {
      if (apply && toxic.end) await toxic.end(this.ctx);
      this.link.forward(this, END);
    } else if (apply) {
      await toxic.pipe(item, this.ctx);
    } else {
      this.link.forward(this, item);
    }
  }
}

/**
 * |            ToxicStage       ToxicStage
 * |   (latency_upstream)   (bandwidth_upstream)
 * |               v                v
 * | source ─► [queue] ─pipe─► [queue] ─pipe─► sink ─write─► dest
 * |   ▲                                         │
 * |   └──── paused while > highWaterMark bytes are inside; resumed below half of it
 *
 * Toxics added while the connection is open go to the end of the chain; a removed toxic stays in place
 * until the chunks it holds have left it, so bytes never overtake each other.
 */
export class Link {
  readonly stream: Stream;
  private readonly stages: ToxicStage[] = [];
  private readonly sink: Stage;
  private readonly abort = new AbortController();
  private readonly opts: LinkOptions;
  /** Jitter and other per-chunk draws, apart from toxicity decisions so adding a toxic later stays seeded. */
  private readonly chunkRandom: Random;
  private inside = 0;
  private paused = false;
  private settled = false;
  private resolveDone!: () => void;
  /** Settles when the end reached dest (all bytes flushed) or the link was aborted. */
  readonly done: Promise<void> = new Promise((resolve) => (this.resolveDone = resolve));
  /** Whether the source's end was delivered to dest (as opposed to the link being aborted). */
  finished = false;
  bytes = 0;

  constructor(opts: LinkOptions) {
    this.opts = opts;
    this.stream = opts.stream;
    this.chunkRandom = opts.random.fork();
    this.sink = new Stage(
      (item) => this.write(item),
      () => undefined,
      () => this.close(),
    );
    for (const wrapper of opts.chain) this.addToxic(wrapper);
  }

  start(): void {
    const { source, clock, highWaterMark } = this.opts;
    source.on('data', (data: Buffer) => {
      if (this.settled) return;
      this.inside += data.length;
      this.head({ data, timestamp: clock.now() });
      if (this.inside > highWaterMark && !this.paused) {
        this.paused = true;
        source.pause();
      }
    });
    source.once('end', () => this.head(END));
    source.resume();
  }

  /** Stops the link: chunks inside are dropped, waits are aborted. The owner closes the sockets. */
  close(): void {
    if (this.settled) return;
    this.settled = true;
    this.abort.abort(new Error('link closed'));
    for (const stage of this.stages) stage.queue.clear();
    this.sink.clear();
    this.resolveDone();
  }

  get closed(): boolean {
    return this.settled;
  }

  addToxic(wrapper: ToxicWrapper): void {
    const ctx: ToxicContext = {
      clock: this.opts.clock,
      random: this.chunkRandom,
      signal: this.abort.signal,
      emit: (chunk) => this.forward(stage, chunk),
    };
    const stage: ToxicStage = new ToxicStage(wrapper, this, ctx, this.opts.random);
    this.stages.push(stage);
  }

  /** The toxic's settings changed: a new toxicity is drawn again for this connection, as Toxiproxy does. */
  updateToxic(wrapper: ToxicWrapper, toxicityChanged: boolean): void {
    const stage = this.stages.find((s) => s.wrapper === wrapper && !s.retired);
    if (stage && toxicityChanged) stage.applies = wrapper.decide(this.opts.random);
  }

  removeToxic(wrapper: ToxicWrapper): void {
    const stage = this.stages.find((s) => s.wrapper === wrapper && !s.retired);
    if (!stage) return;
    stage.retired = true;
    if (stage.queue.idle) this.stageIdle(stage);
  }

  /** Names of the toxics that apply to this connection now. */
  activeToxics(): string[] {
    return this.stages.filter((s) => s.applies && !s.retired).map((s) => s.wrapper.name);
  }

  /** @internal Passes an item from a stage to whatever follows it now. */
  forward(from: ToxicStage, item: Item): void {
    if (this.settled) return;
    const i = this.stages.indexOf(from);
    if (i < 0) return;
    const next = this.stages[i + 1];
    if (next) next.push(item);
    else this.sink.push(item);
  }

  /** @internal */
  stageIdle(stage: ToxicStage): void {
    if (!stage.retired || !stage.queue.idle) return;
    const i = this.stages.indexOf(stage);
    if (i >= 0) this.stages.splice(i, 1);
  }

  /** @internal A toxic threw (or a wait was aborted): the connection cannot go on consistently. */
  stageFailed(_err: unknown): void {
    this.close();
  }

  private head(item: Item): void {
    const first = this.stages[0];
    if (first) first.push(item);
    else this.sink.push(item);
  }

  private async write(item: Item): Promise<void> {
    const { dest, source, highWaterMark, onBytes } = this.opts;
    if (this.settled) return;
    if (item === END) {
      if (!dest.writableEnded) await new Promise<void>((resolve) => dest.end(resolve));
      this.finished = true;
      this.close();
      return;
    }
    const n = item.data.length;
    const ok = dest.write(item.data);
    this.inside -= n;
    this.bytes += n;
    onBytes?.(n);
    if (this.paused && this.inside <= highWaterMark / 2) {
      this.paused = false;
      source.resume();
    }
    if (!ok && !dest.destroyed) await once(dest, 'drain', { signal: this.abort.signal });
  }
}
