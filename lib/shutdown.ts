// Graceful shutdown: on SIGTERM/SIGINT run the closers in order (stop loops, close servers, quit
// clients), then exit; a second signal or a stuck closer forces the exit.
import type { Logger } from 'pino';

export type Closer = () => Promise<unknown> | unknown;

export function onShutdown(log: Logger, closers: Closer[], timeoutMs = 5000): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const closer of closers) {
      try {
        await closer();
      } catch (err) {
        log.warn({ err }, 'error while closing');
      }
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void close('SIGTERM'));
  process.once('SIGINT', () => void close('SIGINT'));
}
