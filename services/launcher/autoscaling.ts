// Autoscaling: the customers' side of the control plane. Every tick it keeps desiredPerAz instances alive
// in each AZ, and retires instances older than maxAgeMs (it launches a replacement, then terminates the old
// one whether or not the replacement launched). Failed launches are retried on the next tick. So while
// launches fail (InsufficientCapacity during the lease outage) capacity drains away as instances age out,
// and once leases are back the launches and terminations that piled up arrive together.
import type { Clock } from '../../lib/clock.js';
import { LabError } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import { Loop } from '../../lib/loop.js';
import type { Ec2 } from './ec2-api.js';
import type { AutoscalingState } from './state.js';

export interface AutoscalingOptions {
  azs: string[];
  desiredPerAz: number;
  maxInstanceAgeMs: number;
  intervalMs: number;
}

export class Autoscaler {
  private readonly loop: Loop;
  readonly stats = { launches: 0, recycled: 0, failures: {} as Record<string, number> };

  constructor(
    private readonly opts: AutoscalingOptions,
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

  tick(): void {
    const now = this.clock.now();
    for (const az of this.opts.azs) {
      const instances = this.ec2.list({ az }).filter((i) => i.state !== 'terminated');
      let live = instances.length;
      // One instance per AZ and tick, so instances launched together are not all replaced in the same second.
      for (const old of instances.filter((i) => i.state === 'running' && now - i.launchedAt >= this.maxAge(i.id)).slice(0, 1)) {
        if (this.tryLaunch(az, 1)) live++;
        this.ec2.terminate(old.id);
        this.stats.recycled++;
        live--;
      }
      // One instance per call, as many calls as are missing: an all-or-nothing launch of the whole gap
      // would never fit under a throttle (or a network admission limit) smaller than the gap.
      for (let n = live; n < this.opts.desiredPerAz; n++) if (!this.tryLaunch(az, 1)) break;
    }
  }

  /**
   * Each instance's own age limit, 0.5 to 1.5 times maxInstanceAgeMs (from its random id), so instances
   * launched together do not come up for replacement together. A narrower spread (1 to 1.25) kept the
   * first cohort together: its replacements arrived faster than the network manager propagates, and the
   * resting lab showed a propagation backlog and flapping of its own.
   */
  private maxAge(id: string): number {
    const spread = (Number.parseInt(id.slice(2, 6), 16) || 0) / 0x10000;
    return this.opts.maxInstanceAgeMs * (0.5 + spread);
  }

  /** Capacity missing right now: desired minus running, per AZ. */
  missing(): Record<string, number> {
    const counts = this.ec2.countByState().byAz;
    return Object.fromEntries(this.opts.azs.map((az) => [az, Math.max(0, this.opts.desiredPerAz - (counts[az]?.running ?? 0))]));
  }

  snapshot(): AutoscalingState {
    return { desiredPerAz: this.opts.desiredPerAz, maxInstanceAgeMs: this.opts.maxInstanceAgeMs, missing: this.missing(), stats: { ...this.stats, failures: { ...this.stats.failures } } };
  }

  private tryLaunch(az: string, count: number): boolean {
    try {
      this.ec2.launch(az, count);
      this.stats.launches += count;
      return true;
    } catch (err) {
      const code = err instanceof LabError ? err.code : 'Error';
      this.stats.failures[code] = (this.stats.failures[code] ?? 0) + 1;
      if (!(err instanceof LabError)) this.events.emit('autoscaling-error', { az, error: (err as Error).message });
      return false;
    }
  }
}
