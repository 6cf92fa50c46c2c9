// The lab clock as one setting of the whole lab (GET/PUT /api/clock): the controller keeps the clock the
// lab should run at, pushes it to every service whose time settings follow it (TIMED_KINDS, through their
// PUT /lab/clock), and keeps pushing it to any that says otherwise, such as a container restarted with
// its LAB_CLOCK from compose. The clock is kept in Redis, so a restarted controller keeps it too.
import type { Clock } from '../../lib/clock.js';
import { clockStateSchema } from '../../lib/contract.js';
import { badRequest } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { LabClock, LabClockError } from '../../lib/lab-clock.js';
import { Loop } from '../../lib/loop.js';
import type { Logger } from '../../lib/log.js';
import { TIMED_KINDS } from '../contracts.js';
import type { LabService } from '../topology.js';
import type { ServiceDirectory } from './services.js';

/** Where the clock is kept between controller restarts. */
export interface ClockStore {
  load(): Promise<string | null>;
  save(clock: string): Promise<void>;
}

const CLOCK_KEY = 'cascade-lab:lab-clock';

/** The clock kept in the lab's Redis. */
export function redisClockStore(redis: { get(key: string): Promise<string | null>; set(key: string, value: string): Promise<unknown> }): ClockStore {
  return { load: () => redis.get(CLOCK_KEY), save: async (clock) => void (await redis.set(CLOCK_KEY, clock)) };
}

export interface ServiceClock {
  name: string;
  /** The clock it runs at; null when it did not answer. */
  clock: string | null;
  error?: string;
}

export interface LabClockStatus {
  clock: string;
  /** Every timed service runs at `clock`. */
  consistent: boolean;
  services: ServiceClock[];
}

export class LabClockKeeper {
  private current: LabClock;
  private readonly loop: Loop;

  constructor(
    initial: LabClock,
    private readonly directory: Pick<ServiceDirectory, 'topology' | 'get' | 'put'>,
    private readonly store: ClockStore | null,
    private readonly events: EventLog,
    private readonly log: Logger,
    clock: Clock,
    /** How often every timed service's clock is checked (and set again where it differs). */
    everyMs = 2000,
  ) {
    this.current = initial;
    this.loop = new Loop({ clock, intervalMs: everyMs, onError: (err) => this.log.warn({ err: (err as Error).message }, 'lab clock sweep failed') });
  }

  get clock(): LabClock {
    return this.current;
  }

  /** Takes the kept clock, if any, then keeps every timed service at it. */
  async start(): Promise<void> {
    const kept = await this.store?.load().catch(() => null);
    if (kept) {
      try {
        this.current = LabClock.parse(kept);
      } catch {
        this.log.warn({ kept }, 'ignoring a kept lab clock that no longer parses');
      }
    }
    void this.loop.run(() => this.sweep());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Every timed service's clock as it says now. */
  async status(): Promise<LabClockStatus> {
    const services = await Promise.all((await this.timed()).map((s) => this.ask(s)));
    return { clock: this.current.text, consistent: services.every((s) => s.clock === this.current.text), services };
  }

  /** A new clock for the whole lab: 400 for one that does not parse; services that miss it get it at the next sweep. */
  async set(text: string): Promise<LabClockStatus> {
    let next: LabClock;
    try {
      next = LabClock.parse(text);
    } catch (err) {
      if (err instanceof LabClockError) throw badRequest(`clock: ${err.message}`);
      throw err;
    }
    const before = this.current.text;
    this.current = next;
    await this.store?.save(next.text).catch((err: Error) => this.log.warn({ err: err.message }, 'could not keep the lab clock'));
    if (before !== next.text) this.events.emit('lab-clock-set', { from: before, to: next.text });
    await this.sweep();
    return this.status();
  }

  /** Sets the clock on every timed service that answers with another one. */
  async sweep(): Promise<void> {
    const services = await this.timed();
    await Promise.all(
      services.map(async (s) => {
        const seen = await this.ask(s);
        if (seen.clock === null || seen.clock === this.current.text) return;
        const res = await this.directory.put(s, '/lab/clock', { clock: this.current.text }).catch((err: Error) => ({ status: 0, body: err.message }));
        if (res.status === 200) this.events.emit('service-clock-set', { service: s.name, from: seen.clock, to: this.current.text });
        else this.log.warn({ service: s.name, status: res.status, body: res.body }, 'a service refused the lab clock');
      }),
    );
  }

  private async timed(): Promise<LabService[]> {
    return (await this.directory.topology()).services.filter((s) => TIMED_KINDS.includes(s.kind));
  }

  private async ask(service: LabService): Promise<ServiceClock> {
    try {
      const res = await this.directory.get(service, '/lab/clock', 1500);
      if (res.status !== 200) return { name: service.name, clock: null, error: `answered ${res.status}` };
      return { name: service.name, clock: clockStateSchema.parse(res.body).clock };
    } catch (err) {
      return { name: service.name, clock: null, error: (err as Error).message };
    }
  }
}
