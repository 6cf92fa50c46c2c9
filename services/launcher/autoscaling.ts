// Autoscaling: the customers' side of the control plane, as fleets of instances kept at a desired size per
// AZ. Every tick each fleet retires its instances that passed their age and launches what is missing;
// failed launches (InsufficientCapacity during the lease outage, RequestLimitExceeded under a throttle) are
// retried on the next tick, so the demand they stand for piles up while launches fail and arrives at once
// when they work again.
//
// Two ways to retire an instance:
//   launch-first  (the lab's fleets) the aged instance is terminated only once its replacement runs,
//                 configured: while launches fail, running instances are unaffected, as on 20 October; once
//                 they work, every replacement that waited is a configuration for the network manager, and
//                 the old instance's release follows it. The app's replacements are registered with the
//                 NLB while they wait in that backlog, unreachable.
//   terminate     the aged instance goes whether or not its replacement launched: the fleet drains while
//                 launches fail.
import type { Clock } from '../../lib/clock.js';
import { LabError } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { Loop } from '../../lib/loop.js';
import { Random } from '../../lib/random.js';
import { CASCADE } from '../../lib/timing.js';
import type { Ec2, Instance } from './ec2-api.js';
import type { AutoscalingState } from './state.js';

export interface FleetOptions {
  /** The instances' group (GET /v1/instances?group=): the NLB registers the `app` group's. */
  group: string;
  desiredPerAz: number;
  maxInstanceAgeMs: number;
  replace: 'launch-first' | 'terminate';
}

export interface AutoscalingOptions {
  azs: string[];
  fleets: FleetOptions[];
  intervalMs: number;
  /**
   * How alike the instances' lives are: each life is Erlang with this shape and the fleet's mean age, so
   * its spread is the mean over the shape's square root. 1 (the default) is exponential.
   */
  lifeShape?: number;
}

/** What a lab's autoscaling is given: its AZs and tick, each fleet's size per AZ and mean age. */
export interface LabFleets {
  azs: string[];
  intervalMs: number;
  appPerAz: number;
  othersPerAz: number;
  appMaxAgeMs: number;
  othersMaxAgeMs: number;
}

/**
 * The lab's two fleets (lib/timing.ts CASCADE.autoscaling), for the launcher and the cascade simulation
 * alike: the `app` instances the NLB serves and the region's `others` that share the droplets, each
 * replaced launch-first at the end of an Erlang life around its mean age. A fleet of 0 per AZ is left out.
 */
export function labAutoscaling(o: LabFleets): AutoscalingOptions {
  const fleets: FleetOptions[] = [
    { group: 'app', desiredPerAz: o.appPerAz, maxInstanceAgeMs: o.appMaxAgeMs, replace: 'launch-first' },
    { group: 'others', desiredPerAz: o.othersPerAz, maxInstanceAgeMs: o.othersMaxAgeMs, replace: 'launch-first' },
  ];
  return { azs: o.azs, intervalMs: o.intervalMs, lifeShape: CASCADE.autoscaling.lifeShape, fleets: fleets.filter((f) => f.desiredPerAz > 0) };
}

export class Autoscaler {
  private readonly loop: Loop;
  /** launch-first: the aged instance -> its replacement, until the replacement runs. */
  private readonly replacing = new Map<string, string>();
  /**
   * Where an instance's age counts from, when not from its launch: a new lab clock stretched it (see
   * retime), or the instance filled a fleet and came with an age (see fill).
   */
  private readonly ageFrom = new Map<string, number>();
  /** Each instance's life as a multiple of its fleet's mean age, drawn once from its id. */
  private readonly lives = new Map<string, number>();
  readonly stats = { launches: 0, recycled: 0, failures: {} as Record<string, number> };

  constructor(
    /** Read at every tick, so new ages from a new lab clock apply at once. */
    readonly opts: AutoscalingOptions,
    private readonly ec2: Ec2,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {
    this.loop = new Loop({ clock, intervalMs: () => this.opts.intervalMs, onError: (err) => this.events.emit('autoscaling-error', { error: (err as Error).message }) });
  }

  run(): Promise<void> {
    return this.loop.run(() => this.tick());
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** A new tick interval (a new lab clock) applies to the wait under way. */
  reschedule(): void {
    this.loop.reschedule();
  }

  /**
   * A new lab clock: new age limits per group. Each instance keeps the share of its life it has lived, so
   * a clock sped up after a slow spell (a game day resumed after a pause) does not find every instance
   * past its new, shorter limit and replace the fleets in one burst of launches, and a slowed clock does
   * not give instances a second life.
   */
  retime(maxInstanceAgeMs: Record<string, number>): void {
    const now = this.clock.now();
    for (const fleet of this.opts.fleets) {
      const next = maxInstanceAgeMs[fleet.group];
      if (next === undefined || next === fleet.maxInstanceAgeMs) continue;
      const ratio = next / fleet.maxInstanceAgeMs;
      for (const i of this.ec2.list({ group: fleet.group })) {
        if (i.state === 'terminated') continue;
        this.ageFrom.set(i.id, now - (now - this.ageOrigin(i)) * ratio);
      }
      fleet.maxInstanceAgeMs = next;
    }
  }

  private ageOrigin(i: Instance): number {
    return this.ageFrom.get(i.id) ?? i.launchedAt;
  }

  tick(): void {
    for (const old of this.replacing.keys()) if (this.ec2.instances.get(old)?.state !== 'running') this.replacing.delete(old);
    for (const map of [this.ageFrom, this.lives]) for (const id of map.keys()) if ((this.ec2.instances.get(id)?.state ?? 'terminated') === 'terminated') map.delete(id);
    for (const fleet of this.opts.fleets) for (const az of this.opts.azs) this.tend(fleet, az);
  }

  private tend(fleet: FleetOptions, az: string): void {
    const now = this.clock.now();
    const instances = this.ec2.list({ az, group: fleet.group }).filter((i) => i.state !== 'terminated');
    const aged = (i: Instance) => i.state === 'running' && now - this.ageOrigin(i) >= this.maxAge(i.id, fleet);
    let live = instances.length;
    if (fleet.replace === 'launch-first') {
      for (const old of instances) {
        const replacement = this.replacing.get(old.id);
        if (replacement === undefined) continue;
        const state = this.ec2.instances.get(replacement)?.state ?? 'terminated';
        if (state === 'running') {
          this.replacing.delete(old.id);
          this.retire(old);
        } else if (state === 'terminated') {
          this.replacing.delete(old.id); // its launch failed: tried again when its turn comes
        }
        live--; // being replaced: its replacement is the one that counts
      }
      // One instance per AZ and tick, so instances launched together are not all replaced in the same tick.
      const old = instances.find((i) => aged(i) && !this.replacing.has(i.id));
      if (old) {
        const replacement = this.tryLaunch(az, fleet.group);
        if (replacement) this.replacing.set(old.id, replacement.id);
      }
    } else {
      const old = instances.find(aged);
      if (old) {
        if (this.tryLaunch(az, fleet.group)) live++;
        this.retire(old);
        live--;
      }
    }
    // One instance per call, as many calls as are missing: an all-or-nothing launch of the whole gap
    // would never fit under a throttle (or a network admission limit) smaller than the gap.
    for (let n = live; n < fleet.desiredPerAz; n++) {
      const instance = this.tryLaunch(az, fleet.group);
      if (!instance) break;
      this.fill(instance, fleet);
    }
  }

  /**
   * An instance that fills a fleet (a lab starting, an instance lost) stands for one of a fleet that has
   * always been running: it comes with what is left of a life already under way, drawn as a fleet in its
   * steady state has them (a uniform share of a length-biased life). So a fleet filled at once retires at
   * its steady rate from the start instead of in a wave one mean age later. Exponential lives need none
   * of this: what is left of one is again exponential.
   */
  private fill(instance: Instance, fleet: FleetOptions): void {
    const shape = this.opts.lifeShape ?? 1;
    if (shape === 1) return;
    const { life, random } = this.drawLife(instance.id, shape);
    this.lives.set(instance.id, life);
    const left = random.next() * erlang(random, shape + 1) * (fleet.maxInstanceAgeMs / shape);
    this.ageFrom.set(instance.id, instance.launchedAt + left - life * fleet.maxInstanceAgeMs);
  }

  private retire(instance: Instance): void {
    this.ec2.terminate(instance.id);
    this.stats.recycled++;
  }

  /**
   * Each instance's own age limit, drawn from its random id, around the fleet's mean: exponential (shape 1,
   * from the id's digits), so a fleet retires instances at the same rate whatever their ages, or Erlang
   * (see lifeShape). Lives alike make replacements come at a more even pace over hours, as a large fleet's
   * would; the network manager's backlog after the outage then drains in about the same time in every run.
   */
  private maxAge(id: string, fleet: FleetOptions): number {
    let life = this.lives.get(id);
    if (life === undefined) {
      const shape = this.opts.lifeShape ?? 1;
      life = shape === 1 ? -Math.log(((Number.parseInt(id.slice(2, 8), 16) || 0) + 0.5) / 0x1000000) : this.drawLife(id, shape).life;
      this.lives.set(id, life);
    }
    return life * fleet.maxInstanceAgeMs;
  }

  /** An Erlang life (a multiple of the mean) from the id's own stream, and the stream for what follows. */
  private drawLife(id: string, shape: number): { life: number; random: Random } {
    const random = Random.keyed(id);
    return { life: erlang(random, shape) / shape, random };
  }

  /** Capacity missing right now, every fleet together: desired minus running, per AZ. */
  missing(): Record<string, number> {
    const missing = Object.fromEntries(this.opts.azs.map((az) => [az, 0]));
    for (const fleet of this.opts.fleets) {
      for (const az of this.opts.azs) {
        const running = this.ec2.list({ az, group: fleet.group, state: 'running' }).length;
        missing[az]! += Math.max(0, fleet.desiredPerAz - running);
      }
    }
    return missing;
  }

  snapshot(): AutoscalingState {
    return {
      fleets: this.opts.fleets.map((f) => ({ group: f.group, desiredPerAz: f.desiredPerAz, maxInstanceAgeMs: f.maxInstanceAgeMs, replace: f.replace })),
      replacing: this.replacing.size,
      missing: this.missing(),
      stats: { ...this.stats, failures: { ...this.stats.failures } },
    };
  }

  private tryLaunch(az: string, group: string): Instance | null {
    try {
      const [instance] = this.ec2.launch(az, 1, group);
      this.stats.launches++;
      return instance ?? null;
    } catch (err) {
      const code = err instanceof LabError ? err.code : 'Error';
      this.stats.failures[code] = (this.stats.failures[code] ?? 0) + 1;
      if (!(err instanceof LabError)) this.events.emit('autoscaling-error', { az, error: (err as Error).message });
      return null;
    }
  }
}

/** The sum of `shape` exponential draws of mean 1 (an Erlang variate; its mean is `shape`). */
function erlang(random: Random, shape: number): number {
  let sum = 0;
  for (let i = 0; i < shape; i++) sum -= Math.log(1 - random.next());
  return sum;
}
