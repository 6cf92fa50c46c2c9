// duplicate (UDP only): every datagram is sent twice, back to back (a retransmitting middlebox, or a
// route flap delivering a packet over two paths). Toxicity picks which datagrams, per datagram.
import { z } from 'zod';
import { registerToxic, type Datagram, type DatagramContext, type DatagramToxic } from '../toxic.js';

const attributes = z.object({});

export class DuplicateToxic implements DatagramToxic {
  readonly attributes = {};

  handle(datagram: Datagram, ctx: DatagramContext): void {
    ctx.emit(datagram);
    ctx.emit(datagram);
  }
}

registerToxic({
  type: 'duplicate',
  description: 'deliver every datagram twice',
  protocol: 'udp', attributes,
  create: () => new DuplicateToxic(),
});
