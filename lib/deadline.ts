// A promise with a budget: whoever samples many services at once (the timeline, the live stream) waits
// at most `ms` for each, so one frozen service costs the budget and never stalls the sampler.
/** Settles like `promise`, or rejects after `ms` of real time (a stuck socket does not advance a manual clock either). */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
