// reset_peer: when the first chunk (or the end) reaches the toxic, it waits `timeout` ms and resets the
// connection: both sockets are destroyed with a TCP RST (SO_LINGER 0, as Toxiproxy sets), so the peers
// see ECONNRESET. That chunk and everything after it are dropped. timeout 0 resets at once.
import { z } from 'zod';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';
import { millis } from './attributes.js';

const attributes = z.object({ timeout: millis().default(0) });
type ResetPeerAttributes = z.infer<typeof attributes>;

export class ResetPeerToxic implements Toxic {
  constructor(readonly attributes: ResetPeerAttributes) {}

  async pipe(chunk: Chunk, ctx: ToxicContext): Promise<void> {
    ctx.discard(chunk.data.length);
    await this.reset(ctx);
  }

  end(ctx: ToxicContext): Promise<void> {
    return this.reset(ctx);
  }

  private async reset(ctx: ToxicContext): Promise<void> {
    if (this.attributes.timeout > 0) await ctx.clock.sleep(this.attributes.timeout, ctx.signal);
    ctx.close('reset');
  }
}

registerToxic({
  type: 'reset_peer',
  description: 'reset connections (TCP RST) timeout ms after they open (0: at once)',
  attributes,
  create: (attrs) => new ResetPeerToxic(attrs),
});
