// timeout: nothing gets through (bytes are read and dropped); `timeout` ms after the toxic started on
// the connection the connection is closed. As in Toxiproxy's loop, every chunk that arrives starts the
// wait again. timeout 0 never closes: data is dropped until the toxic is removed, and removing it
// closes the connection (Toxiproxy's Cleanup), since the bytes it dropped are gone.
import { z } from 'zod';
import { registerToxic, type Chunk, type Toxic, type ToxicContext } from '../toxic.js';
import { millis } from './attributes.js';

const attributes = z.object({ timeout: millis().default(0) });
type TimeoutAttributes = z.infer<typeof attributes>;

interface TimeoutState {
  rearm?: () => void;
}

export class TimeoutToxic implements Toxic {
  constructor(readonly attributes: TimeoutAttributes) {}

  start(ctx: ToxicContext): () => void {
    const state = ctx.state as TimeoutState;
    let wait: AbortController | null = null;
    const arm = () => {
      wait?.abort();
      if (this.attributes.timeout <= 0) return;
      wait = new AbortController();
      ctx.clock.sleep(this.attributes.timeout, AbortSignal.any([wait.signal, ctx.signal])).then(
        () => ctx.close(),
        () => undefined,
      );
    };
    state.rearm = arm;
    arm();
    return () => {
      wait?.abort();
      if (state.rearm === arm) delete state.rearm;
    };
  }

  pipe(chunk: Chunk, ctx: ToxicContext): void {
    ctx.discard(chunk.data.length);
    (ctx.state as TimeoutState).rearm?.();
  }

  cleanup(ctx: ToxicContext): void {
    ctx.close();
  }
}

registerToxic({
  type: 'timeout',
  description: 'let no data through; close the connection after timeout ms (0: never, it hangs)',
  attributes,
  create: (attrs) => new TimeoutToxic(attrs),
});
