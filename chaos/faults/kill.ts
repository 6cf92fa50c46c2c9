// kill: every container of a service gets a signal (SIGKILL by default: a crash, no clean shutdown). A
// container killed through the API is not restarted by compose's `restart: unless-stopped` (Docker
// counts it as stopped by hand), so it stays down for as long as the fault is held; the undo starts it.
import { z } from 'zod';
import { dockerError, ensureRunning } from './docker.js';
import { controllerFault, labContainers } from './fault.js';

export const kill = controllerFault({
  kind: 'kill',
  target: 'container',
  description: 'kill every container of a service (SIGKILL: a crash); it stays down until the fault ends, then is started again',
  params: z.object({ signal: z.enum(['SIGKILL', 'SIGTERM', 'SIGINT']).default('SIGKILL') }).strict(),
  async inject(ctx, target, params) {
    const lab = labContainers(ctx);
    const containers = await lab.of(target);
    for (const c of containers) await lab.api.kill(c.id, params.signal).catch((err: unknown) => Promise.reject(dockerError(`kill ${target}`, err)));
    return { containers: containers.map((c) => c.id) };
  },
  async undo(ctx, _target, record) {
    for (const id of record.containers as string[]) await ensureRunning(labContainers(ctx).api, id);
  },
});
