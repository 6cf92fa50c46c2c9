// Simulations in worker threads. Inside a node:test test, whose harness tracks the async resource of every
// promise, the promise-heavy virtual-time simulations ran 2.5 times as long as in a plain process (a
// cascade: 5 to 8 s against 2 to 3 s, 7 December 2026); a worker thread has no such hooks, and several
// run side by side on the machine's cores.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Calls `fn`, an exported async function of the module at `moduleUrl` (its `import.meta.url`), once per
 * argument, each call in a worker thread of its own (test/support/worker-entry.ts), as many at a time as
 * the machine has cores. Arguments and results cross by structured clone, so both must be plain data.
 * The results come in the order of `args`; a call that throws rejects the whole.
 */
export async function inWorkers<A, R>(moduleUrl: string, fn: string, args: A[]): Promise<R[]> {
  const results: R[] = new Array(args.length);
  let next = 0;
  const lane = async () => {
    while (next < args.length) {
      const i = next++;
      results[i] = await inWorker<R>(moduleUrl, fn, args[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), args.length) }, lane));
  return results;
}

function inWorker<R>(moduleUrl: string, fn: string, arg: unknown): Promise<R> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: { moduleUrl, fn, arg } });
    worker.once('message', (result: R) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${fn}(${JSON.stringify(arg)}) in a worker thread exited with code ${code} and no result`)));
  });
}
