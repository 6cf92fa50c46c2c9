// disconnect: a service's containers leave one of the lab's networks (`lab` by default): packets to and
// from them go nowhere, connections fail, and the lab's DNS cannot be reached from them. When the fault
// ends they are connected again with the same address and aliases (the kv-store nodes advertise their
// address in the DNS plans, so it must not change).
import { z } from 'zod';
import { badRequest } from '../../lib/errors.js';
import { dockerError, type Attachment } from './docker.js';
import { controllerFault, labContainers } from './fault.js';

export const disconnect = controllerFault({
  kind: 'disconnect',
  target: 'container',
  description: "disconnect every container of a service from a lab network (default: lab); reconnected with the same address when the fault ends",
  params: z.object({ network: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a compose network name like lab').default('lab') }).strict(),
  async inject(ctx, target, params) {
    const lab = labContainers(ctx);
    const network = lab.network(params.network);
    const detached: { id: string; attachment: Attachment }[] = [];
    for (const c of await lab.of(target)) {
      const details = await lab.api.inspect(c.id).catch((err: unknown) => Promise.reject(dockerError(`inspect ${target}`, err)));
      const attachment = details.attachments.find((a) => a.network === network);
      if (!attachment) throw badRequest(`${target} is not on network ${params.network} (${network}); it is on: ${details.attachments.map((a) => a.network).join(', ') || 'none'}`);
      await lab.api.disconnect(c.id, network).catch((err: unknown) => Promise.reject(dockerError(`disconnect ${target}`, err)));
      detached.push({ id: c.id, attachment });
    }
    return { containers: detached };
  },
  async undo(ctx, target, record) {
    const { api } = labContainers(ctx);
    for (const { id, attachment } of record.containers as { id: string; attachment: Attachment }[]) {
      try {
        const details = await api.inspect(id);
        if (!details.attachments.some((a) => a.network === attachment.network)) await api.connect(id, attachment);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw dockerError(`reconnect ${target}`, err);
      }
    }
  },
});
