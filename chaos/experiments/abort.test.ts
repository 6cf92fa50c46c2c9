import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../lib/clock.js';
import { fakeLabClient } from '../../test/support/fake-lab.js';
import { labState } from '../../test/support/lab-states.js';
import { SERIES_NAMES } from '../controller/timeline.js';
import { parseExperiment } from './format.js';
import { exitCode, runExperiment } from './runner.js';

/**
 * A lab that answers like the real one: the kv endpoint always resolves, and the loadgen's customers
 * succeed or fail per second as `successAt(second)` says.
 */
function fakeLab(clock: ManualClock, successAt: (second: number) => number) {
  const calls: string[] = [];
  const removed: string[] = [];
  const t0 = clock.now();
  const lab = {
    renewLease: async () => {},
    releaseLease: async () => {},
    lookup: async () => ({ rcode: 0, rcodeName: 'NOERROR', addresses: ['10.0.0.1', '10.0.0.2'], nodata: false }),
    status: async () => ({ time: 0, ready: true, services: [{ name: 'loadgen', alive: true, ready: true }], dns: null, customer: { requests: 0, successes: 0, errors: {}, lastError: null } }),
    addToxic: async (proxy: string, toxic: { name?: string }) => ({ proxy, name: toxic.name ?? 'x' }),
    updateToxic: async () => {},
    removeToxic: async (proxy: string, name: string) => {
      removed.push(`${proxy}/${name}`);
    },
    controller: async (path: string) => {
      calls.push(path);
      if (path.startsWith('/api/timeline')) {
        const sample = { t: t0 + 1000, events: [], ...Object.fromEntries(SERIES_NAMES.map((n) => [n, null])), customerSuccessRate: 1 };
        return { intervalMs: 1000, series: {}, samples: [sample] };
      }
      if (path === '/api/services/loadgen/state') {
        const seconds = Math.floor((clock.now() - t0) / 1000);
        const series = Array.from({ length: Math.min(60, seconds) }, (_, i) => {
          const t = seconds - Math.min(60, seconds) + i;
          const ok = Math.round(100 * successAt(t));
          return { t, requests: 100, successes: ok, errors: 100 - ok, errorsByKind: {}, p50: 5, p90: 5, p99: 5, max: 5 };
        });
        return { service: 'loadgen', time: clock.now(), state: labState('loadgen', { uptimeMs: seconds * 1000, series }) };
      }
      if (path.startsWith('/api/services/')) return { state: {}, events: [], next: 0 };
      throw new Error(`unexpected ${path}`);
    },
  };
  return { lab: fakeLabClient(lab), calls, removed };
}

const experiment = (abortFor: string) =>
  parseExperiment(
    `title: abort test
description: customers below a floor stop the run early
abort-conditions:
  - name: customers-below-floor
    probe: { type: customer, window: 2s }
    tolerance: { type: range, target: successRate, range: [0.5, 1] }
    for: ${abortFor}
steady-state-hypothesis:
  title: the endpoint resolves
  probes:
    - type: probe
      name: has-addresses
      provider: { type: dns, name: kv.us-east-1.lab.internal }
      tolerance: { type: range, target: addresses, range: [1, 64] }
method:
  - type: action
    name: slow-link
    provider: { type: toxic, proxy: enactor-az-a, toxic: { type: latency, attributes: { latency: 400 } } }
  - type: probe
    name: wait-for-empty
    provider: { type: wait, probe: { type: dns, name: kv.us-east-1.lab.internal }, until: { type: range, target: addresses, range: [0, 0] }, timeout: 60s }
rollbacks:
  - type: action
    name: clear
    provider: { type: clear-faults }
`,
    'abort.yaml',
  );

describe('abort conditions', () => {
  it('customers below the floor for 5 s abort the run: rollbacks run, faults go, the reason names the condition, exit 2', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const { lab, removed } = fakeLab(clock, (second) => (second < 10 ? 1 : 0.1));
    const journal = await settle(clock, runExperiment(experiment('5s'), { scenario: 'abort.yaml', seed: 1, fixes: [], lab, clock }), 100);
    assert.equal(journal.status, 'aborted');
    assert.match(journal.reason ?? '', /abort condition customers-below-floor: successRate in \[0.5, 1\] did not hold for 5\.\d s \(last: 0\.1\)/);
    assert.equal(journal.abortedBy?.condition, 'customers-below-floor');
    // Customers fail from second 10; the 2 s window drops below 0.5 at about 11 s, plus 5 s.
    assert.ok(journal.abortedBy!.at >= 15_000 && journal.abortedBy!.at <= 18_000, `fired at ${journal.abortedBy!.at}`);
    assert.ok(journal.durationMs < 20_000, 'the 60 s wait was cut short');
    const wait = journal.activities.find((a) => a.name === 'wait-for-empty');
    assert.equal(wait?.ok, false);
    assert.ok(journal.activities.some((a) => a.phase === 'rollback' && a.name === 'clear'));
    assert.deepEqual(removed, ['enactor-az-a/lab_latency_downstream']);
    assert.equal(journal.hypothesis.after, null, 'no hypothesis check after an abort');
    assert.equal(exitCode(journal.status), 2);
    assert.equal(journal.timeline.length, 1, 'the controller timeline for the run window');
  });

  it('a violation that does not last for the whole `for` does not abort', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    // Bad for 3 s out of every 8: never 10 s in a row.
    const { lab } = fakeLab(clock, (second) => (second % 8 < 3 ? 0 : 1));
    const journal = await settle(clock, runExperiment(experiment('10s'), { scenario: 'abort.yaml', seed: 1, fixes: [], lab, clock }), 100);
    assert.equal(journal.abortedBy, undefined);
    assert.equal(journal.status, 'completed', 'the run went to its end and the steady state held');
    assert.ok(journal.durationMs >= 60_000);
  });

  it('refuses a malformed condition with its line', () => {
    const text = experiment('5s');
    assert.ok(text['abort-conditions'][0]);
    assert.throws(
      () =>
        parseExperiment(
          `title: t
description: d
abort-conditions:
  - name: floor
    probe: { type: customer, window: soon }
    tolerance: true
steady-state-hypothesis:
  title: h
  probes: [{ type: probe, name: p, provider: { type: dns, name: x } }]
method: [{ type: action, name: a, provider: { type: clear-faults } }]
`,
          'bad.yaml',
        ),
      /bad\.yaml:5: abort-conditions\.0\.probe\.window: a duration like 500ms, 30s or 2m/,
    );
  });
});
