// slow-handler: a kv-store node takes `ms` longer to serve every request, inside its request slot (its
// own hook, POST /v1/slow), so a slow storage node also serves fewer requests at once, which is how the
// launcher's lease work feels a degraded DynamoDB. Back to normal speed when the fault ends.
import { z } from 'zod';
import { controllerFault } from './fault.js';

export const slowHandler = controllerFault({
  kind: 'slow-handler',
  target: 'service',
  services: /^kv-\d+$/,
  description: 'make a kv-store node slower: every request holds its slot ms longer; normal again when the fault ends',
  params: z.object({ ms: z.number({ error: 'expected milliseconds' }).int('expected an integer').min(1, 'expected >= 1').max(60000, 'expected <= 60000') }).strict(),
  async inject(ctx, target, params) {
    await ctx.callService(target, '/v1/slow', { ms: params.ms });
    return {};
  },
  async undo(ctx, target) {
    await ctx.callService(target, '/v1/slow', { ms: 0 });
  },
});
