// Domain events of a service (lock lost, plan applied, lease expired...), kept in a bounded ring with
// increasing sequence numbers so the controller can poll `GET /lab/events?since=N` without missing any
// that are still in the ring.
export interface LabEvent {
  seq: number;
  time: number;
  type: string;
  data: Record<string, unknown>;
}

export class EventLog {
  private events: LabEvent[] = [];
  private nextSeq = 1;
  private readonly listeners = new Set<(event: LabEvent) => void>();
  constructor(
    private readonly capacity = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  emit(type: string, data: Record<string, unknown> = {}): LabEvent {
    const event = { seq: this.nextSeq++, time: this.now(), type, data };
    this.events.push(event);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** Calls `listener` with every event from now on (a game day records the controller's); returns its removal. */
  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  since(seq: number, limit = 500): { events: LabEvent[]; next: number } {
    const events = this.events.filter((e) => e.seq > seq).slice(0, limit);
    const last = events.at(-1);
    return { events, next: last ? last.seq : Math.max(seq, this.nextSeq - 1) };
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }
}
