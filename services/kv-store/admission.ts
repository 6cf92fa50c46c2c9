// A request router has a fixed number of request slots; requests beyond them wait in line and, past the
// queue limit, are throttled. Latency under concurrency therefore grows the way a real storage router's
// does, which is what the launcher's lease work feels after an outage.
import type { Clock } from '../../lib/clock.js';

export class Throttled extends Error {
  constructor() {
    super('request throttled: too many requests waiting');
  }
}

export class Admission {
  private inflight = 0;
  private waiting: (() => void)[] = [];
  served = 0;
  throttled = 0;
  /** Extra time every request holds its slot: the game day's slow-handler fault (POST /v1/slow). */
  slowByMs = 0;

  constructor(
    private readonly capacity: number,
    private readonly queueLimit: number,
    /** Read for every request: a new lab clock applies at once. */
    public serviceTimeMs: number,
    private readonly clock: Clock,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inflight >= this.capacity) {
      if (this.waiting.length >= this.queueLimit) {
        this.throttled++;
        throw new Throttled();
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inflight++;
    }
    try {
      const serviceTime = this.serviceTimeMs + this.slowByMs;
      if (serviceTime > 0) await this.clock.sleep(serviceTime);
      return await work();
    } finally {
      this.served++;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next in line
      else this.inflight--;
    }
  }

  snapshot() {
    return { inflight: this.inflight, queued: this.waiting.length, capacity: this.capacity, served: this.served, throttled: this.throttled, slowByMs: this.slowByMs };
  }
}
