// pause-loop: an enactor stops applying plans (its own hook, POST /v1/pause) while its container and
// HTTP face keep running, as an enactor stuck behind a slow dependency looks; resumed when the fault ends.
import { z } from 'zod';
import { controllerFault } from './fault.js';

export const pauseLoop = controllerFault({
  kind: 'pause-loop',
  target: 'service',
  services: /^dns-enactor-/,
  description: "pause a DNS enactor's loop (it stops applying plans but stays up); resumed when the fault ends",
  params: z.object({}).strict(),
  async inject(ctx, target) {
    await ctx.callService(target, '/v1/pause');
    return {};
  },
  async undo(ctx, target) {
    await ctx.callService(target, '/v1/resume');
  },
});
