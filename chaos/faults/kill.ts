// kill: every container of a service gets a signal (SIGKILL by default: a crash, no clean shutdown). A
// container killed through the API is not restarted by compose's `restart: unless-stopped` (Docker
// counts it as stopped by hand), so it stays down for as long as the fault is held; the undo starts it.
import { z } from 'zod';
import { controllerFault, onEveryContainer } from './fault.js';

const killParams = z.object({ signal: z.enum(['SIGKILL', 'SIGTERM', 'SIGINT']).default('SIGKILL') }).strict();

export const kill = controllerFault({
  kind: 'kill',
  target: 'container',
  description: 'kill every container of a service (SIGKILL: a crash); it stays down until the fault ends, then is started again',
  params: killParams,
  ...onEveryContainer('kill', (api, id, params: z.infer<typeof killParams>) => api.kill(id, params.signal)),
});
