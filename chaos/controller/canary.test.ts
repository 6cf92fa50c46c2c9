import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { systemClock } from '../../lib/clock.js';
import { Canary, classify } from './canary.js';

describe('customer canary', () => {
  it('classifies failures, including a timeout whose code is a number', async () => {
    assert.equal(classify(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), 'dns');
    assert.equal(classify(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'connection');
    // What a request given AbortSignal.timeout() rejects with once the time is up (the reason is only
    // there after the timer fired: read at once it is undefined).
    const timedOut = AbortSignal.timeout(1);
    await once(timedOut, 'abort');
    assert.equal((timedOut.reason as DOMException).code, 23);
    assert.equal(classify(timedOut.reason), 'timeout');
    assert.equal(classify(new DOMException('The operation timed out', 'TimeoutError')), 'timeout');
    assert.equal(classify(Object.assign(new Error('x'), { code: 23 })), 'other');
  });

  it('counts a slow kv answer as a timeout instead of crashing', async () => {
    const slow = createServer(() => {}); // never answers
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const canary = new Canary(`http://127.0.0.1:${(slow.address() as AddressInfo).port}/v1/items/canary`, 100, systemClock);
    try {
      assert.equal(await canary.once(), false);
      assert.equal(canary.counts.errors.timeout, 1);
    } finally {
      // Closed even when an assertion fails: an open server would keep the test process waiting.
      slow.closeAllConnections();
      slow.close();
    }
  });

  it('counts answers below 500 as successes and a missing name as a DNS failure', async () => {
    const ok = createServer((_q, s) => s.writeHead(404).end());
    await new Promise<void>((r) => ok.listen(0, '127.0.0.1', r));
    const canary = new Canary(`http://127.0.0.1:${(ok.address() as AddressInfo).port}/`, 100, systemClock);
    assert.equal(await canary.once(), true);
    ok.close();
    const nowhere = new Canary('http://nowhere.invalid/', 100, systemClock);
    assert.equal(await nowhere.once(), false);
    assert.equal(nowhere.counts.errors.dns, 1);
  });
});
