// A test file's own setup and teardown, around all of its tests.
import { after, before } from 'node:test';

/**
 * Registers `setup` as the file's before hook and `teardown` as its after hook, with the teardown waiting
 * for the setup. Node's runner (24.x), when `--test-name-pattern` leaves none of a file's tests, starts the
 * file's before hook and runs its after hook without waiting for it: the after hook then finds nothing to
 * close, what the before hook goes on to start (servers, timers) is never closed, and the file never ends.
 * The teardown runs also when the setup failed partway, so what it had started by then is closed: it must
 * close only what exists (`server?.close()`). A failed setup has been reported by its hook.
 */
export function fileFixture(setup: () => Promise<void>, teardown: () => Promise<void>): void {
  let settled: Promise<unknown> | null = null;
  before(async () => {
    const running = setup();
    settled = running.catch(() => undefined);
    await running;
  });
  after(async () => {
    if (!settled) return;
    await settled;
    await teardown();
  });
}
