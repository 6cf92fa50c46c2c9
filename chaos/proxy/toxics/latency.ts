// latency: every chunk leaves latency ± jitter ms after it arrived (uniform jitter, never below 0).
// Chunks keep their order, so a chunk that drew a short delay waits behind one that drew a long one.
import { z } from 'zod';
import type { Random } from '../../../lib/random.js';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';

const ms = z.number({ error: 'expected a number of milliseconds' }).int('expected an integer').min(0, 'expected >= 0').max(3_600_000, 'expected <= 3600000');
/** Shared with the UDP latency toxic (udp-latency.ts): the same attributes and the same draw. */
export const latencyAttributes = z.object({ latency: ms.default(0), jitter: ms.default(0) });
export type LatencyAttributes = z.infer<typeof latencyAttributes>;

/** latency ± jitter ms (uniform), never below 0; draws only when there is jitter. */
export function latencyDelay({ latency, jitter }: LatencyAttributes, random: Random): number {
  return Math.max(0, jitter > 0 ? latency + random.int(-jitter, jitter) : latency);
}

export class LatencyToxic implements Toxic {
  constructor(readonly attributes: LatencyAttributes) {}

  delay(random: Random): number {
    return latencyDelay(this.attributes, random);
  }

  async pipe(chunk: Chunk, ctx: ToxicContext): Promise<void> {
    const delay = this.delay(ctx.random);
    const wait = chunk.timestamp + delay - ctx.clock.now();
    if (wait > 0) await ctx.clock.sleep(wait, ctx.signal);
    // The next toxic measures its delay from when this one meant to let the chunk go.
    ctx.emit({ data: chunk.data, timestamp: chunk.timestamp + delay });
  }
}

registerToxic({
  type: 'latency',
  description: 'delay every chunk by latency ± jitter ms',
  attributes: latencyAttributes,
  create: (attrs) => new LatencyToxic(attrs),
});
