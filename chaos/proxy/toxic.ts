// What a toxic is, and the registry of toxic types. A toxic type is one file in toxics/ that registers
// itself by name (Toxiproxy's "latency", "bandwidth"...). What every toxic shares (its name, the stream it
// acts on, its toxicity) lives on ToxicWrapper, not in each toxic.
//
//                 Toxic (one per toxic, shared by every connection)
//                   v
//   Client <-> ToxicStage (one per connection and direction, in link.ts) <-> Upstream
//
// A toxic handles one chunk at a time for one connection; the link keeps chunks in order, so a toxic
// that holds a chunk back (latency) holds back the chunks behind it too.
import type { z } from 'zod';
import type { Clock } from '../../lib/clock.js';
import type { Random } from '../../lib/random.js';

export type Stream = 'upstream' | 'downstream';
/** Toxiproxy lists upstream toxics before downstream ones. */
export const STREAMS: readonly Stream[] = ['upstream', 'downstream'];

/** Bytes read from one side, on their way to the other. */
export interface Chunk {
  data: Buffer;
  /** When the chunk is due to leave the stage it is in (clock ms); starts as the time it was read. */
  timestamp: number;
}

/** What a toxic may use while it handles a chunk of one connection. */
export interface ToxicContext {
  /** Passes a chunk on to the next stage; may be called 0..n times per chunk. */
  emit(chunk: Chunk): void;
  readonly clock: Clock;
  /** This connection's seeded stream (jitter and the like). */
  readonly random: Random;
  /** Aborted when the connection closes: pass it to every wait. */
  readonly signal: AbortSignal;
}

export interface Toxic {
  /** The attributes as the API shows them. */
  readonly attributes: Record<string, unknown>;
  /** Handles one chunk; the next chunk waits until the returned promise settles. */
  pipe(chunk: Chunk, ctx: ToxicContext): void | Promise<void>;
  /** Called when the source has ended, before the end is passed on (e.g. slow_close). */
  end?(ctx: ToxicContext): void | Promise<void>;
}

export interface ToxicDefinition<A extends Record<string, unknown> = Record<string, unknown>> {
  type: string;
  /** Validates a full set of attributes, filling in defaults; unknown keys are dropped, as Toxiproxy does. */
  attributes: z.ZodType<A>;
  create(attributes: A): Toxic;
}

const registry = new Map<string, ToxicDefinition>();

export function registerToxic<A extends Record<string, unknown>>(definition: ToxicDefinition<A>): void {
  registry.set(definition.type, definition as unknown as ToxicDefinition);
}

export function toxicDefinition(type: string): ToxicDefinition | undefined {
  return registry.get(type);
}

export function toxicTypes(): string[] {
  return [...registry.keys()].sort();
}

/** A toxic as configured on a proxy: the shared settings around one toxic instance. */
export class ToxicWrapper {
  constructor(
    readonly name: string,
    readonly definition: ToxicDefinition,
    readonly stream: Stream,
    /** Probability (0..1) that the toxic applies to a given connection. */
    public toxicity: number,
    /** Replaced, not mutated, on update: chunks already being handled finish with the old settings. */
    public toxic: Toxic,
  ) {}

  get type(): string {
    return this.definition.type;
  }

  /** Draws whether the toxic applies to one connection; always draws, so the sequence stays seeded. */
  decide(random: Random): boolean {
    return random.next() < this.toxicity;
  }

  /** Toxiproxy's JSON shape, field for field. */
  toJSON() {
    return { attributes: this.toxic.attributes, name: this.name, type: this.type, stream: this.stream, toxicity: this.toxicity };
  }
}
