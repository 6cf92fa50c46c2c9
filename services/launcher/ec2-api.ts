// The launch API's logic (the HTTP face is in app.ts). A launch needs droplets in the AZ that hold a
// valid DWFM lease and have a free slot; without them it fails with InsufficientCapacity, as launches did
// from 23:48 on. The operator's throttle caps launches per second (RequestLimitExceeded), and with the
// propagation fix so does the network manager's waiting queue. An accepted instance is `pending` while
// its droplet host creates it, `network-pending` until the network manager delivers its configuration,
// then `running`. Terminations free the slot at once and queue network work, adding to the backlog.
import type { Clock } from '../../lib/clock.js';
import { LabError } from '../../lib/errors.js';
import type { EventLog } from '../../lib/events.js';
import type { Random } from '../../lib/random.js';
import type { DropletHosts } from './droplet-hosts.js';
import type { Droplet, Dwfm } from './dwfm.js';
import type { NetworkManager } from './network-manager.js';
import { INSTANCE_STATES, type Instance, type InstanceCounts, type InstanceState } from './state.js';

export { INSTANCE_STATES, type Instance, type InstanceState };


// EC2's own error codes, in the lab's error format.
export const insufficientCapacity = (az: string) =>
  new LabError('InsufficientCapacity', 503, `insufficient capacity in ${az}: no leased droplet with a free slot`);
export const requestLimitExceeded = (why: string) => new LabError('RequestLimitExceeded', 429, `request limit exceeded: ${why}`);
export const invalidAz = (az: string, azs: string[]) => new LabError('InvalidParameterValue', 400, `unknown az ${az} (expected one of ${azs.join(', ')})`);
export const instanceNotFound = (id: string) => new LabError('InvalidInstanceID.NotFound', 404, `no instance ${id}`);

export interface Ec2Options {
  azs: string[];
  slotsPerDroplet: number;
  /** Terminated instances kept for listing. */
  keepTerminated: number;
  /**
   * Deregistration delay: a terminated instance leaves the instance list (so load balancers deregister it)
   * at once, but its host is told to close it only this much later, so connections in flight and load
   * balancer nodes whose target list is a little behind are not cut off at every routine termination.
   */
  drainMs?: number;
}

/** Launches per second with a burst of one second's worth (at least one launch, for rates under 1/s). */
class Throttle {
  enabled = false;
  launchesPerSecond = 1;
  private tokens = 0;
  private at = 0;
  set(enabled: boolean, launchesPerSecond: number, now: number) {
    this.enabled = enabled;
    this.launchesPerSecond = launchesPerSecond;
    this.tokens = this.burst;
    this.at = now;
  }
  private get burst(): number {
    return Math.max(1, this.launchesPerSecond);
  }
  take(count: number, now: number): boolean {
    if (!this.enabled) return true;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.launchesPerSecond);
    this.at = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}

export class Ec2 {
  readonly instances = new Map<string, Instance>();
  private readonly used = new Map<string, number>();
  private readonly throttle = new Throttle();
  readonly stats = { launched: 0, insufficientCapacity: 0, throttled: 0, terminated: 0, launchFailed: 0 };

  constructor(
    private readonly opts: Ec2Options,
    private readonly dwfm: Dwfm,
    private readonly hosts: DropletHosts,
    private readonly network: NetworkManager,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly events: EventLog,
  ) {}

  get throttleState() {
    return { enabled: this.throttle.enabled, launchesPerSecond: this.throttle.launchesPerSecond };
  }

  setThrottle(enabled: boolean, launchesPerSecond = this.throttle.launchesPerSecond) {
    this.throttle.set(enabled, launchesPerSecond, this.clock.now());
    this.events.emit('throttle-changed', { enabled, launchesPerSecond });
    return this.throttleState;
  }

  /** All-or-nothing, like RunInstances with MinCount = count; `group` is the autoscaling fleet's. */
  launch(az: string, count: number, group = 'app'): Instance[] {
    if (!this.opts.azs.includes(az)) throw invalidAz(az, this.opts.azs);
    const now = this.clock.now();
    if (!this.throttle.take(count, now)) {
      this.stats.throttled++;
      throw requestLimitExceeded(`launches are throttled to ${this.throttle.launchesPerSecond}/s`);
    }
    if (!this.network.admits(this.list({ state: 'pending' }).length)) {
      this.stats.throttled++;
      throw requestLimitExceeded('network propagation queue is full');
    }
    const free = [...this.dwfm.droplets.values()].filter((d) => d.az === az && this.dwfm.isLeased(d) && this.freeSlots(d) > 0);
    if (free.reduce((n, d) => n + this.freeSlots(d), 0) < count) {
      this.stats.insufficientCapacity++;
      throw insufficientCapacity(az);
    }
    const launched: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const candidates = free.filter((d) => this.freeSlots(d) > 0);
      const droplet = candidates[this.random.int(0, candidates.length - 1)] as Droplet;
      this.used.set(droplet.id, (this.used.get(droplet.id) ?? 0) + 1);
      const instance: Instance = { id: this.newId(), az, group, dropletId: droplet.id, host: null, port: null, state: 'pending', launchedAt: now };
      this.instances.set(instance.id, instance);
      this.stats.launched++;
      launched.push(instance);
      void this.create(instance);
    }
    this.events.emit('instances-launched', { az, ids: launched.map((i) => i.id) });
    return launched.map((i) => ({ ...i })); // as accepted: creation goes on in the background
  }

  terminate(id: string): Instance {
    const instance = this.instances.get(id);
    if (!instance) throw instanceNotFound(id);
    if (instance.state === 'terminated') return instance;
    this.release(instance, 'terminated');
    this.stats.terminated++;
    // The host is told through the network manager: terminations join the same backlog.
    const drainMs = this.opts.drainMs ?? 0;
    if (drainMs > 0) void this.clock.sleep(drainMs).then(() => this.network.enqueue('release', instance.id, instance.az));
    else this.network.enqueue('release', instance.id, instance.az);
    this.events.emit('instance-terminated', { id, az: instance.az });
    return instance;
  }

  list(filter: { state?: InstanceState; az?: string; group?: string } = {}): Instance[] {
    return [...this.instances.values()].filter(
      (i) => (!filter.state || i.state === filter.state) && (!filter.az || i.az === filter.az) && (!filter.group || i.group === filter.group),
    );
  }

  countByState(): InstanceCounts {
    const zero = () => ({ pending: 0, 'network-pending': 0, running: 0, terminated: 0 });
    const total = zero();
    const byAz: Record<string, Record<InstanceState, number>> = Object.fromEntries(this.opts.azs.map((az) => [az, zero()]));
    for (const i of this.instances.values()) {
      total[i.state]++;
      const az = byAz[i.az];
      if (az) az[i.state]++;
    }
    return { ...total, byAz };
  }

  freeSlots(d: Droplet): number {
    return this.opts.slotsPerDroplet - (this.used.get(d.id) ?? 0);
  }

  private async create(instance: Instance): Promise<void> {
    try {
      const { host, port } = await this.hosts.create(instance.az, instance.id, instance.dropletId);
      if (instance.state !== 'pending') return; // terminated meanwhile
      instance.host = host;
      instance.port = port;
      instance.state = 'network-pending';
      this.network.enqueue('configure', instance.id, instance.az, () => {
        if (instance.state !== 'network-pending') return;
        instance.state = 'running';
        instance.runningAt = this.clock.now();
      });
    } catch (err) {
      if (instance.state !== 'pending') return;
      this.release(instance, `launch failed: ${(err as Error).message}`);
      this.stats.launchFailed++;
      this.events.emit('launch-failed', { id: instance.id, az: instance.az, error: (err as Error).message });
    }
  }

  private release(instance: Instance, reason: string): void {
    instance.state = 'terminated';
    instance.terminatedAt = this.clock.now();
    instance.reason = reason;
    this.used.set(instance.dropletId, Math.max(0, (this.used.get(instance.dropletId) ?? 1) - 1));
    this.prune();
  }

  private prune(): void {
    const terminated = [...this.instances.values()].filter((i) => i.state === 'terminated');
    for (const i of terminated.slice(0, Math.max(0, terminated.length - this.opts.keepTerminated))) this.instances.delete(i.id);
  }

  private newId(): string {
    let hex = '';
    for (let i = 0; i < 17; i++) hex += this.random.int(0, 15).toString(16);
    return `i-${hex}`;
  }
}
