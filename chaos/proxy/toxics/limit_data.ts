// limit_data: the connection closes once `bytes` bytes have passed in this direction (the chunk that
// crosses the limit is cut at it), as Toxiproxy's limit_data. The count is kept per connection across
// updates, so raising the limit lets more through on open connections.
import { z } from 'zod';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';
import { count } from './attributes.js';

const attributes = z.object({ bytes: count('bytes').default(0) });
type LimitDataAttributes = z.infer<typeof attributes>;

export class LimitDataToxic implements Toxic {
  constructor(readonly attributes: LimitDataAttributes) {}

  pipe(chunk: Chunk, ctx: ToxicContext): void {
    const state = ctx.state as { sent?: number };
    const sent = state.sent ?? 0;
    const remaining = Math.max(0, this.attributes.bytes - sent);
    const pass = Math.min(remaining, chunk.data.length);
    if (pass > 0) ctx.emit(pass === chunk.data.length ? chunk : { data: chunk.data.subarray(0, pass), timestamp: chunk.timestamp });
    if (pass < chunk.data.length) ctx.discard(chunk.data.length - pass);
    state.sent = sent + pass;
    if (this.attributes.bytes - state.sent <= 0) ctx.close();
  }
}

registerToxic({
  type: 'limit_data',
  description: 'close the connection once bytes bytes have passed',
  attributes,
  create: (attrs) => new LimitDataToxic(attrs),
});
