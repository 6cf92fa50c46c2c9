// slicer: every chunk leaves as several smaller ones, about `average_size` bytes each (± size_variation,
// drawn from the connection's seeded stream), with `delay` µs after each, as Toxiproxy's slicer: halve
// the chunk until a piece is no larger than average_size + size_variation, moving each cut point by up
// to ± size_variation. Unlike Toxiproxy, cuts stay inside the piece and pieces never go below 1 byte
// (Toxiproxy loops or panics on average_size 0 or a variation wider than the piece).
import { z } from 'zod';
import type { Random } from '../../../lib/random.js';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';
import { count } from './attributes.js';

const attributes = z.object({
  average_size: count('bytes').default(0),
  size_variation: count('bytes').default(0),
  delay: count('microseconds', 3_600_000_000).default(0),
});
type SlicerAttributes = z.infer<typeof attributes>;

export class SlicerToxic implements Toxic {
  constructor(readonly attributes: SlicerAttributes) {}

  /** The cut points of a chunk of `size` bytes, from 0 to size. */
  cuts(size: number, random: Random): number[] {
    const cuts = [0];
    this.split(0, size, random, cuts);
    return cuts;
  }

  private split(start: number, end: number, random: Random, cuts: number[]): void {
    const { average_size: average, size_variation: variation } = this.attributes;
    if (end - start - average <= variation || end - start <= 1) {
      cuts.push(end);
      return;
    }
    let mid = start + Math.floor((end - start) / 2);
    if (variation > 0) mid += random.int(-variation, variation - 1);
    mid = Math.min(end - 1, Math.max(start + 1, mid));
    this.split(start, mid, random, cuts);
    this.split(mid, end, random, cuts);
  }

  async pipe(chunk: Chunk, ctx: ToxicContext): Promise<void> {
    const cuts = this.cuts(chunk.data.length, ctx.random);
    const delayMs = this.attributes.delay / 1000;
    for (let i = 1; i < cuts.length; i++) {
      ctx.emit({ data: chunk.data.subarray(cuts[i - 1], cuts[i]), timestamp: chunk.timestamp });
      if (delayMs > 0) await ctx.clock.sleep(delayMs, ctx.signal);
    }
  }
}

registerToxic({
  type: 'slicer',
  description: 'cut data into pieces of average_size ± size_variation bytes, delay µs apart',
  attributes,
  create: (attrs) => new SlicerToxic(attrs),
});
