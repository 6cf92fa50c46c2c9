// Polling with a deadline, for unit and e2e tests alike: ask a probe again and again until it answers,
// never a fixed sleep. On the deadline the failure says what was awaited and what the probe said last.
import { inspect } from 'node:util';

/**
 * Calls `probe` every `everyMs` until it returns a truthy value, and returns that value. A probe that
 * throws is asked again. After `timeoutMs` it fails with `what` and the probe's last value or error.
 */
export async function until<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 5000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: { value: unknown } | { error: unknown } | null = null;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(everyMs, Math.max(0, deadline - Date.now()))));
  }
  const said = last === null ? '' : 'error' in last ? `; last error: ${String(last.error)}` : `; last value: ${inspect(last.value, { depth: 2, breakLength: Infinity })}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${said}`);
}
