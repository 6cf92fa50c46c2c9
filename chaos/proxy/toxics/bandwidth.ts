// bandwidth: at most `rate` KB/s (1 KB = 1000 bytes, so rate is bytes per ms), as Toxiproxy: each chunk
// adds len/rate ms to a per-connection debt that is slept off before the chunk leaves; a chunk larger
// than 100 ms worth of bytes leaves in 100 ms slices. rate 0 means unlimited.
import { z } from 'zod';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';
import { count } from './attributes.js';

const attributes = z.object({ rate: count('KB/s').default(0) });
type BandwidthAttributes = z.infer<typeof attributes>;

/** Slices are due every 100 ms, as in Toxiproxy. */
const SLICE_MS = 100;

export class BandwidthToxic implements Toxic {
  constructor(readonly attributes: BandwidthAttributes) {}

  async pipe(chunk: Chunk, ctx: ToxicContext): Promise<void> {
    const { rate } = this.attributes;
    const state = ctx.state as { debtMs?: number };
    if (rate <= 0) {
      state.debtMs = 0;
      return ctx.emit({ data: chunk.data, timestamp: ctx.clock.now() });
    }
    // Carried from chunk to chunk: a timer that fires late is made up on the next chunk.
    let debt = (state.debtMs ?? 0) + chunk.data.length / rate;
    let data = chunk.data;
    const slice = rate * SLICE_MS;
    while (data.length > slice) {
      await ctx.clock.sleep(SLICE_MS, ctx.signal);
      ctx.emit({ data: data.subarray(0, slice), timestamp: ctx.clock.now() });
      data = data.subarray(slice);
      debt -= SLICE_MS;
    }
    if (debt > 0) {
      const start = ctx.clock.now();
      await ctx.clock.sleep(debt, ctx.signal);
      debt -= ctx.clock.now() - start;
    }
    state.debtMs = debt;
    ctx.emit({ data, timestamp: ctx.clock.now() });
  }
}

registerToxic({
  type: 'bandwidth',
  description: 'limit the link to rate KB/s',
  attributes,
  create: (attrs) => new BandwidthToxic(attrs),
});
