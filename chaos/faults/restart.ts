// restart: every container of a service restarts once (stop with `timeout`, then start), losing its
// in-memory state, as a deploy or a crash-loop step does. A one-shot action: the fault stays listed until
// its lease ends, and ending it makes sure the containers are running.
import { z } from 'zod';
import { controllerFault, onEveryContainer } from './fault.js';

const restartParams = z.object({ timeout: z.number({ error: 'expected seconds' }).int('expected an integer').min(0).max(60).default(5) }).strict();

export const restart = controllerFault({
  kind: 'restart',
  target: 'container',
  description: 'restart every container of a service once (its in-memory state is lost); ending the fault makes sure it runs',
  params: restartParams,
  ...onEveryContainer('restart', (api, id, params: z.infer<typeof restartParams>) => api.restart(id, params.timeout)),
});
