// latency for UDP proxies: every datagram leaves latency ± jitter ms after it arrived, as the TCP toxic
// delays a chunk, but on its own: a datagram that drew a short delay may overtake one that drew a long
// one, as datagrams do on a real network.
import type { z } from 'zod';
import { registerToxic, type Datagram, type DatagramContext, type DatagramToxic } from '../toxic.js';
import { latencyAttributes, latencyDelay } from './latency.js';

export class UdpLatencyToxic implements DatagramToxic {
  constructor(readonly attributes: z.infer<typeof latencyAttributes>) {}

  async handle(datagram: Datagram, ctx: DatagramContext): Promise<void> {
    const delay = latencyDelay(this.attributes, ctx.random);
    const wait = datagram.timestamp + delay - ctx.clock.now();
    if (wait > 0) await ctx.clock.sleep(wait, ctx.signal);
    ctx.emit({ data: datagram.data, timestamp: datagram.timestamp + delay });
  }
}

registerToxic({
  type: 'latency',
  description: 'delay every datagram by latency ± jitter ms (datagrams may overtake each other)',
  protocol: 'udp',
  attributes: latencyAttributes,
  create: (attrs) => new UdpLatencyToxic(attrs),
});
