// stop: a clean shutdown of every container of a service (SIGTERM, then SIGKILL after `timeout` s), as an
// operator's `docker stop`; it stays down until the fault ends, then is started again.
import { z } from 'zod';
import { dockerError, ensureRunning } from './docker.js';
import { controllerFault, labContainers } from './fault.js';

export const stop = controllerFault({
  kind: 'stop',
  target: 'container',
  description: 'stop every container of a service (SIGTERM, SIGKILL after timeout s); started again when the fault ends',
  params: z.object({ timeout: z.number({ error: 'expected seconds' }).int('expected an integer').min(0).max(60).default(5) }).strict(),
  async inject(ctx, target, params) {
    const lab = labContainers(ctx);
    const containers = await lab.of(target);
    for (const c of containers) await lab.api.stop(c.id, params.timeout).catch((err: unknown) => Promise.reject(dockerError(`stop ${target}`, err)));
    return { containers: containers.map((c) => c.id) };
  },
  async undo(ctx, _target, record) {
    for (const id of record.containers as string[]) await ensureRunning(labContainers(ctx).api, id);
  },
});
