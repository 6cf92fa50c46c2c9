// One direction of one proxied connection: bytes read from `source` pass through the proxy's toxics for
// that direction, in order, and are written to `dest`. Upstream links carry client -> server bytes,
// downstream links server -> client.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';
import type { Chunk, CloseHow, Stream, Toxic, ToxicContext, ToxicWrapper } from './toxic.js';

/** The source ended: passed on as a half-close (FIN) of dest. */
const END = Symbol('end');
/** A toxic closed the stream (timeout, limit_data, reset_peer): the whole connection closes behind it. */
class Closing {
  constructor(readonly how: CloseHow) {}
}
type Item = Chunk | typeof END | Closing;
const isChunk = (item: Item): item is Chunk => item !== END && !(item instanceof Closing);

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
  /** A toxic closed this direction and what it let through has been written: close the connection. */
  onClose?: (how: CloseHow) => void;
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
  readonly ctx: ToxicContext;
  /** Whether the toxic applies to this connection (its toxicity, drawn once). */
  applies: boolean;
  /** Removed from the proxy: chunks already inside keep their treatment, later ones pass straight through. */
  retired = false;
  /** The end or a close has passed this stage: nothing more goes through. */
  private shut = false;
  /** The toxic instance whose start() runs for this connection, and how to stop it. */
  private running: { toxic: Toxic; stop: (() => void) | undefined } | null = null;

  constructor(
    readonly wrapper: ToxicWrapper,
    private readonly link: Link,
    base: Pick<ToxicContext, 'clock' | 'random' | 'signal'>,
    random: Random,
  ) {
    this.ctx = {
      ...base,
      state: {},
      emit: (chunk) => {
        if (!this.shut) link.forward(this, chunk);
        else link.discarded(chunk.data.length);
      },
      discard: (bytes) => link.discarded(bytes),
      close: (how = 'close') => this.shutDown(new Closing(how)),
    };
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

  /** Starts or stops the toxic's own activity (start()) to match whether and which instance applies now. */
  sync(): void {
    const want = this.applies && !this.retired && !this.shut && !this.link.closed ? this.wrapper.toxic : null;
    if ((this.running?.toxic ?? null) === want) return;
    const was = this.running;
    this.running = null;
    was?.stop?.();
    if (!want?.start) return;
    const running: { toxic: Toxic; stop: (() => void) | undefined } = { toxic: want, stop: undefined };
    this.running = running;
    running.stop = want.start(this.ctx) ?? undefined;
  }

  /** Removed from the proxy while the connection is open: Toxiproxy's Cleanup (timeout closes it). */
  retire(): void {
    const applied = this.applies && !this.retired;
    this.retired = true;
    this.sync();
    if (applied && !this.shut) this.wrapper.toxic.cleanup?.(this.ctx);
  }

  private shutDown(closing: Closing): void {
    if (this.shut) return;
    this.shut = true;
    this.sync();
    this.link.forward(this, closing);
  }

  private async handle(item: Item, apply: boolean): Promise<void> {
    if (this.shut) {
      if (isChunk(item)) this.link.discarded(item.data.length);
      return;
    }
    const toxic = this.wrapper.toxic;
    if (!isChunk(item)) {
      if (apply && toxic.end) await toxic.end(this.ctx);
      // end() may have closed the stream itself (reset_peer turns the end into a reset).
      if (this.shut) return;
      this.shut = true;
      this.sync();
      this.link.forward(this, item);
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
 * until the chunks it holds have left it, so bytes never overtake each other. With no toxic at all a
 * chunk is written to dest as soon as it is read (no queue, no promise), paused only by dest's drain.
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
  /** Paused because too many bytes are inside the toxics. */
  private paused = false;
  /** Paused because dest's buffer is full (the direct path). */
  private waitingDrain = false;
  private started = false;
  private settled = false;
  private resolveDone!: () => void;
  /** Settles when the end reached dest (all bytes flushed) or the link was aborted. */
  readonly done: Promise<void> = new Promise((resolve) => (this.resolveDone = resolve));
  /** Whether the source's end was delivered to dest (as opposed to the link being aborted). */
  finished = false;
  /** How a toxic closed this link, if one did. */
  closedBy: CloseHow | null = null;
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
      if (this.stages.length === 0 && this.sink.idle) return this.writeDirect(data);
      this.inside += data.length;
      this.head({ data, timestamp: clock.now() });
      if (this.inside > highWaterMark && !this.paused) {
        this.paused = true;
        source.pause();
      }
    });
    source.once('end', () => this.head(END));
    this.started = true;
    for (const stage of this.stages) stage.sync();
    source.resume();
  }

  /** Stops the link: chunks inside are dropped, waits are aborted. The owner closes the sockets. */
  close(): void {
    if (this.settled) return;
    this.settled = true;
    this.abort.abort(new Error('link closed'));
    for (const stage of this.stages) {
      stage.queue.clear();
      stage.sync();
    }
    this.sink.clear();
    this.resolveDone();
  }

  get closed(): boolean {
    return this.settled;
  }

  addToxic(wrapper: ToxicWrapper): void {
    const base = { clock: this.opts.clock, random: this.chunkRandom, signal: this.abort.signal };
    const stage = new ToxicStage(wrapper, this, base, this.opts.random);
    this.stages.push(stage);
    // Toxics there at the connection's opening start with the link, once the source is wired.
    if (this.started) stage.sync();
  }

  /** The toxic's settings changed: a new toxicity is drawn again for this connection, as Toxiproxy does. */
  updateToxic(wrapper: ToxicWrapper, toxicityChanged: boolean): void {
    const stage = this.stages.find((s) => s.wrapper === wrapper && !s.retired);
    if (!stage) return;
    if (toxicityChanged) stage.applies = wrapper.decide(this.opts.random);
    // A new instance (new attributes) restarts the toxic's own activity, as Toxiproxy re-runs its Pipe.
    stage.sync();
  }

  removeToxic(wrapper: ToxicWrapper): void {
    const stage = this.stages.find((s) => s.wrapper === wrapper && !s.retired);
    if (!stage) return;
    stage.retire();
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

  /** @internal Bytes a toxic swallowed: they count as gone, so the source keeps being read. */
  discarded(bytes: number): void {
    this.inside -= bytes;
    this.maybeResume();
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

  /** The no-toxic path: like stream.pipe(), one write per chunk and a pause while dest is full. */
  private writeDirect(data: Buffer): void {
    const { dest, source } = this.opts;
    this.bytes += data.length;
    this.opts.onBytes?.(data.length);
    if (dest.write(data) || this.waitingDrain || dest.destroyed) return;
    this.waitingDrain = true;
    source.pause();
    dest.once('drain', () => {
      this.waitingDrain = false;
      if (!this.paused && !this.settled) source.resume();
    });
  }

  private maybeResume(): void {
    if (this.paused && this.inside <= this.opts.highWaterMark / 2) {
      this.paused = false;
      if (!this.waitingDrain) this.opts.source.resume();
    }
  }

  private async write(item: Item): Promise<void> {
    const { dest, onBytes } = this.opts;
    if (this.settled) return;
    if (item === END || (item instanceof Closing && item.how === 'close')) {
      if (!dest.writableEnded && !dest.destroyed) await new Promise<void>((resolve) => dest.end(resolve));
      if (item === END) this.finished = true;
      else this.closedBy = 'close';
      this.close();
      if (this.closedBy) this.opts.onClose?.(this.closedBy);
      return;
    }
    if (item instanceof Closing) {
      // A reset discards whatever dest has not sent yet: no flush.
      this.closedBy = item.how;
      this.close();
      this.opts.onClose?.(item.how);
      return;
    }
    const n = item.data.length;
    const ok = dest.write(item.data);
    this.inside -= n;
    this.bytes += n;
    onBytes?.(n);
    this.maybeResume();
    if (!ok && !dest.destroyed) await once(dest, 'drain', { signal: this.abort.signal });
  }
}
