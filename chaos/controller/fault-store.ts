// The controller's held faults, kept in Redis beside the lab's other state so they outlive the
// controller: if it crashes with a container paused, the restarted controller finds the record and
// undoes it (HeldFaults.recover).
import type { Redis } from 'ioredis';
import type { FaultStore, HeldFault } from '../faults/held-faults.js';

const KEY = 'lab:controller:faults';

export class RedisFaultStore implements FaultStore {
  constructor(private readonly redis: Redis) {}

  async save(fault: HeldFault): Promise<void> {
    await this.redis.hset(KEY, fault.id, JSON.stringify(fault));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(KEY, id);
  }

  async all(): Promise<HeldFault[]> {
    const entries = await this.redis.hvals(KEY);
    return entries.flatMap((text) => {
      try {
        return [JSON.parse(text) as HeldFault];
      } catch {
        return [];
      }
    });
  }
}
