// slow_close: bytes pass unchanged; the end (or a close from a toxic before it) is held `delay` ms
// before it is passed on, as Toxiproxy's slow_close.
import { z } from 'zod';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';
import { millis } from './attributes.js';

const attributes = z.object({ delay: millis().default(0) });
type SlowCloseAttributes = z.infer<typeof attributes>;

export class SlowCloseToxic implements Toxic {
  constructor(readonly attributes: SlowCloseAttributes) {}

  pipe(chunk: Chunk, ctx: ToxicContext): void {
    ctx.emit(chunk);
  }

  async end(ctx: ToxicContext): Promise<void> {
    if (this.attributes.delay > 0) await ctx.clock.sleep(this.attributes.delay, ctx.signal);
  }
}

registerToxic({
  type: 'slow_close',
  description: 'hold back the closing of a connection by delay ms',
  attributes,
  create: (attrs) => new SlowCloseToxic(attrs),
});
