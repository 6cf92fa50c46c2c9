// One call in a worker thread, started by inWorkers (test/support/workers.ts): the module, the exported
// function and its argument come as workerData, the result goes back as the one message.
import { parentPort, workerData } from 'node:worker_threads';

if (!parentPort) throw new Error('worker-entry.js runs as a worker thread, started by inWorkers');
const { moduleUrl, fn, arg } = workerData as { moduleUrl: string; fn: string; arg: unknown };
const call = ((await import(moduleUrl)) as Record<string, unknown>)[fn];
if (typeof call !== 'function') throw new Error(`${moduleUrl} exports no function ${fn}`);
parentPort.postMessage(await (call as (arg: unknown) => Promise<unknown>)(arg));
