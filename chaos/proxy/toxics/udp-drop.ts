// drop (UDP only): each datagram is lost with `probability` (default 1). Toxicity is drawn per datagram
// too, so toxicity 0.3 with probability 1 also loses 30 %; both draws come from the session's seeded
// stream, so a seed loses the same datagrams again.
import { z } from 'zod';
import { registerToxic, type Datagram, type DatagramContext, type DatagramToxic } from '../toxic.js';

const schema = z.object({
  probability: z.number({ error: 'expected a number' }).min(0, 'expected 0..1').max(1, 'expected 0..1').default(1),
});

export class DropToxic implements DatagramToxic {
  constructor(readonly attributes: z.infer<typeof schema>) {}

  handle(datagram: Datagram, ctx: DatagramContext): void {
    // Always draws, so the sequence of draws does not depend on the probability.
    if (ctx.random.next() >= this.attributes.probability) ctx.emit(datagram);
  }
}

registerToxic({
  type: 'drop',
  description: 'lose each datagram with probability (0..1)',
  protocol: 'udp',
  attributes: schema,
  create: (attrs) => new DropToxic(attrs),
});
