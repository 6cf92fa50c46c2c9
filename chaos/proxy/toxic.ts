// What a toxic is, and the registry of toxic types. A toxic type is one file in toxics/ that registers
// itself by name (Toxiproxy's "latency", "bandwidth"...). What every toxic shares (its name, the stream it
// acts on, its toxicity) lives on ToxicWrapper, not in each toxic.
//
//                 Toxic (one per toxic, shared by every connection)
//                   v
//   Client <-> ToxicStage (one per connection and direction, in link.ts) <-> Upstream
//
// A toxic handles one chunk at a time for one connection; the link keeps chunks in order, so a toxic
// that holds a chunk back (latency) holds back the chunks behind it too. UDP proxies have their own
// toxics (DatagramToxic, registered with protocol "udp"): datagrams are independent, so each goes
// through the chain on its own and toxicity is drawn per datagram.
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
  /** Bytes the toxic swallows (never emitted), so the link keeps reading its source (timeout, limit_data). */
  discard(bytes: number): void;
  /**
   * Ends this direction here, as Toxiproxy's stub.Close(): nothing more passes this toxic, the toxics
   * after it see the end (slow_close still delays it), and once the bytes ahead are written the whole
   * connection closes: with FIN, or with a TCP RST for 'reset' (reset_peer).
   */
  close(how?: CloseHow): void;
  readonly clock: Clock;
  /** This connection's seeded stream (jitter and the like). */
  readonly random: Random;
  /** Aborted when the connection closes: pass it to every wait. */
  readonly signal: AbortSignal;
  /** Per connection and toxic, kept when the toxic is updated (limit_data's count): Toxiproxy's stub.State. */
  readonly state: Record<string, unknown>;
}

export type CloseHow = 'close' | 'reset';

export interface Toxic {
  /** The attributes as the API shows them. */
  readonly attributes: Record<string, unknown>;
  /** Handles one chunk; the next chunk waits until the returned promise settles. */
  pipe(chunk: Chunk, ctx: ToxicContext): void | Promise<void>;
  /** Called when the source has ended (or a toxic before this one closed), before the end is passed on. */
  end?(ctx: ToxicContext): void | Promise<void>;
  /**
   * For toxics that act on their own clock (timeout): called when the toxic starts acting on a
   * connection (connection opened, toxic added, or replaced by an update); the function it returns is
   * called when it stops (updated, removed, connection closed).
   */
  start?(ctx: ToxicContext): (() => void) | void;
  /** Called when the toxic is removed from a connection it applied to: Toxiproxy's Cleanup. */
  cleanup?(ctx: ToxicContext): void;
}

/** One UDP datagram on its way through a UDP proxy. */
export interface Datagram {
  data: Buffer;
  /** When the datagram is due to leave the toxic it is in (clock ms); starts as the time it arrived. */
  timestamp: number;
}

export interface DatagramContext {
  /** Passes a datagram on to the next toxic; 0 times drops it, twice duplicates it. */
  emit(datagram: Datagram): void;
  readonly clock: Clock;
  /** The session's seeded stream for this direction: each draw in datagram arrival order. */
  readonly random: Random;
  /** Aborted when the session (client address) expires or the proxy stops. */
  readonly signal: AbortSignal;
}

/** A toxic of a UDP proxy: each datagram on its own, so a delayed one does not hold back the next. */
export interface DatagramToxic {
  readonly attributes: Record<string, unknown>;
  handle(datagram: Datagram, ctx: DatagramContext): void | Promise<void>;
}

export type Protocol = 'tcp' | 'udp';

interface AnyToxic {
  readonly attributes: Record<string, unknown>;
}

export interface ToxicDefinition<A extends Record<string, unknown> = Record<string, unknown>, T extends AnyToxic = Toxic> {
  type: string;
  /** One line for the fault catalogue (chaos/faults/catalogue.ts). */
  description: string;
  /** The proxies it applies to; 'tcp' when left out (Toxiproxy's toxics). */
  protocol?: Protocol;
  /** Validates a full set of attributes, filling in defaults; unknown keys are dropped, as Toxiproxy does. */
  attributes: z.ZodType<A>;
  create(attributes: A): T;
}

const registry = new Map<string, ToxicDefinition<Record<string, unknown>, AnyToxic>>();
const key = (protocol: Protocol, type: string) => `${protocol}/${type}`;

export function registerToxic<A extends Record<string, unknown>, T extends AnyToxic = Toxic>(definition: ToxicDefinition<A, T>): void {
  registry.set(key(definition.protocol ?? 'tcp', definition.type), definition as unknown as ToxicDefinition<Record<string, unknown>, AnyToxic>);
}

export function toxicDefinition(type: string, protocol: 'udp'): ToxicDefinition<Record<string, unknown>, DatagramToxic> | undefined;
export function toxicDefinition(type: string, protocol?: 'tcp'): ToxicDefinition | undefined;
export function toxicDefinition(type: string, protocol: Protocol): ToxicDefinition<Record<string, unknown>, AnyToxic> | undefined;
export function toxicDefinition(type: string, protocol: Protocol = 'tcp'): ToxicDefinition<Record<string, unknown>, AnyToxic> | undefined {
  return registry.get(key(protocol, type));
}

export function toxicTypes(protocol: Protocol = 'tcp'): string[] {
  return [...registry.values()]
    .filter((d) => (d.protocol ?? 'tcp') === protocol)
    .map((d) => d.type)
    .sort();
}

/** A toxic as configured on a proxy: the shared settings around one toxic instance. */
export class ToxicWrapper<T extends AnyToxic = Toxic> {
  constructor(
    readonly name: string,
    readonly definition: ToxicDefinition<Record<string, unknown>, T>,
    readonly stream: Stream,
    /** Probability (0..1) that the toxic applies to a given connection (UDP: to a given datagram). */
    public toxicity: number,
    /** Replaced, not mutated, on update: chunks already being handled finish with the old settings. */
    public toxic: T,
  ) {}

  get type(): string {
    return this.definition.type;
  }

  /** Draws whether the toxic applies to one connection (or datagram); always draws, so the sequence stays seeded. */
  decide(random: Random): boolean {
    return random.next() < this.toxicity;
  }

  /** Toxiproxy's JSON shape, field for field. */
  toJSON() {
    return { attributes: this.toxic.attributes, name: this.name, type: this.type, stream: this.stream, toxicity: this.toxicity };
  }
}
