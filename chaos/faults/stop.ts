// stop: a clean shutdown of every container of a service (SIGTERM, then SIGKILL after `timeout` s), as an
// operator's `docker stop`; it stays down until the fault ends, then is started again.
import { z } from 'zod';
import { controllerFault, onEveryContainer } from './fault.js';

const stopParams = z.object({ timeout: z.number({ error: 'expected seconds' }).int('expected an integer').min(0).max(60).default(5) }).strict();

export const stop = controllerFault({
  kind: 'stop',
  target: 'container',
  description: 'stop every container of a service (SIGTERM, SIGKILL after timeout s); started again when the fault ends',
  params: stopParams,
  ...onEveryContainer('stop', (api, id, params: z.infer<typeof stopParams>) => api.stop(id, params.timeout)),
});
