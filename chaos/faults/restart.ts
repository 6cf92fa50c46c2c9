// restart: every container of a service restarts once (stop with `timeout`, then start), losing its
// in-memory state, as a deploy or a crash-loop step does. A one-shot action: the fault stays listed until
// its lease ends, and ending it makes sure the containers are running.
import { z } from 'zod';
import { dockerError, ensureRunning } from './docker.js';
import { controllerFault, labContainers } from './fault.js';

export const restart = controllerFault({
  kind: 'restart',
  target: 'container',
  description: 'restart every container of a service once (its in-memory state is lost); ending the fault makes sure it runs',
  params: z.object({ timeout: z.number({ error: 'expected seconds' }).int('expected an integer').min(0).max(60).default(5) }).strict(),
  async inject(ctx, target, params) {
    const lab = labContainers(ctx);
    const containers = await lab.of(target);
    for (const c of containers) await lab.api.restart(c.id, params.timeout).catch((err: unknown) => Promise.reject(dockerError(`restart ${target}`, err)));
    return { containers: containers.map((c) => c.id) };
  },
  async undo(ctx, _target, record) {
    for (const id of record.containers as string[]) await ensureRunning(labContainers(ctx).api, id);
  },
});
