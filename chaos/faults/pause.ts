// pause: every process of a service's containers is frozen (cgroup freezer): connections stay open but
// nothing answers, the way a long GC pause or a hung host looks from outside. Unpaused when the fault ends.
import { z } from 'zod';
import { dockerError, ensureRunning } from './docker.js';
import { controllerFault, labContainers } from './fault.js';

export const pause = controllerFault({
  kind: 'pause',
  target: 'container',
  description: 'freeze every container of a service (docker pause): open connections hang; unpaused when the fault ends',
  params: z.object({}).strict(),
  async inject(ctx, target) {
    const lab = labContainers(ctx);
    const containers = await lab.of(target);
    for (const c of containers) await lab.api.pause(c.id).catch((err: unknown) => Promise.reject(dockerError(`pause ${target}`, err)));
    return { containers: containers.map((c) => c.id) };
  },
  async undo(ctx, _target, record) {
    for (const id of record.containers as string[]) await ensureRunning(labContainers(ctx).api, id);
  },
});
