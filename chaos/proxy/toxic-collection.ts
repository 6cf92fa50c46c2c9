// The toxics of one proxy, per stream, and the live links they apply to. Adding, updating or removing a
// toxic reaches every open connection at once, as in Toxiproxy: chunks already inside a toxic keep their
// treatment, chunks that arrive later see the new chain. A UDP proxy's collection holds DatagramToxics
// and has no links: its proxy reads the chain for every datagram.
import { badRequestBody, invalidToxicType, toxicAlreadyExists, toxicNotFound } from './errors.js';
import { Link, type LinkOptions } from './link.js';
import { STREAMS, ToxicWrapper, toxicDefinition, type Protocol, type Stream, type Toxic, type ToxicDefinition } from './toxic.js';
import './toxics/index.js';

export interface NewToxic {
  name?: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, unknown>;
}

export interface ToxicChange {
  toxicity?: number;
  /** Merged into the current attributes; keys left out keep their values (Toxiproxy decodes over them). */
  attributes?: Record<string, unknown>;
}

export type ToxicEvent = 'toxic-added' | 'toxic-updated' | 'toxic-removed';

type AnyToxic = { readonly attributes: Record<string, unknown> };

export class ToxicCollection<T extends AnyToxic = Toxic> {
  private readonly chains: Record<Stream, ToxicWrapper<T>[]> = { upstream: [], downstream: [] };
  private readonly links = new Set<Link>();

  constructor(
    private readonly onChange: (event: ToxicEvent, toxic: ToxicWrapper<T>) => void = () => undefined,
    readonly protocol: Protocol = 'tcp',
  ) {}

  /** Upstream toxics first, then downstream, each in the order they were added (Toxiproxy's order). */
  list(): ToxicWrapper<T>[] {
    return STREAMS.flatMap((s) => this.chains[s]);
  }

  /** The toxics of one stream now, in order (the array changes as toxics come and go: copy to keep). */
  chain(stream: Stream): readonly ToxicWrapper<T>[] {
    return this.chains[stream];
  }

  get(name: string): ToxicWrapper<T> {
    const toxic = this.find(name);
    if (!toxic) throw toxicNotFound(name);
    return toxic;
  }

  add(input: NewToxic): ToxicWrapper<T> {
    const name = input.name || `${input.type}_${input.stream}`;
    const definition = toxicDefinition(input.type, this.protocol) as ToxicDefinition<Record<string, unknown>, T> | undefined;
    if (!definition) throw invalidToxicType(input.type);
    if (this.find(name)) throw toxicAlreadyExists(name);
    const toxic = new ToxicWrapper<T>(name, definition, input.stream, input.toxicity, create(definition, input.attributes));
    this.chains[toxic.stream].push(toxic);
    for (const link of this.linksOf(toxic.stream)) link.addToxic(toxic as unknown as ToxicWrapper);
    this.onChange('toxic-added', toxic);
    return toxic;
  }

  update(name: string, change: ToxicChange): ToxicWrapper<T> {
    const toxic = this.get(name);
    const next = change.attributes ? create(toxic.definition, { ...toxic.toxic.attributes, ...change.attributes }) : toxic.toxic;
    const toxicityChanged = change.toxicity !== undefined && change.toxicity !== toxic.toxicity;
    toxic.toxic = next;
    if (change.toxicity !== undefined) toxic.toxicity = change.toxicity;
    for (const link of this.linksOf(toxic.stream)) link.updateToxic(toxic as unknown as ToxicWrapper, toxicityChanged);
    this.onChange('toxic-updated', toxic);
    return toxic;
  }

  remove(name: string): void {
    const toxic = this.get(name);
    const chain = this.chains[toxic.stream];
    chain.splice(chain.indexOf(toxic), 1);
    for (const link of this.linksOf(toxic.stream)) link.removeToxic(toxic as unknown as ToxicWrapper);
    this.onChange('toxic-removed', toxic);
  }

  reset(): void {
    for (const toxic of this.list()) this.remove(toxic.name);
  }

  /** Starts a link of a new connection with the toxics its stream has now. */
  startLink(this: ToxicCollection<Toxic>, opts: Omit<LinkOptions, 'chain'>): Link {
    const link = new Link({ ...opts, chain: this.chains[opts.stream] });
    this.links.add(link);
    void link.done.then(() => this.links.delete(link));
    link.start();
    return link;
  }

  private find(name: string): ToxicWrapper<T> | undefined {
    return this.list().find((t) => t.name === name);
  }

  private linksOf(stream: Stream): Link[] {
    return [...this.links].filter((l) => l.stream === stream && !l.closed);
  }
}

function create<T extends AnyToxic>(definition: ToxicDefinition<Record<string, unknown>, T>, attributes: Record<string, unknown>): T {
  const parsed = definition.attributes.safeParse(attributes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequestBody(`attributes.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return definition.create(parsed.data);
}
