import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../lib/clock.js';
import { fakeLabClient } from '../../test/support/fake-lab.js';
import { labState } from '../../test/support/lab-states.js';
import { parseExperiment } from './format.js';
import { runExperiment } from './runner.js';

describe('runbook steps with when', () => {
  it('runs an action whose condition holds and skips, without running, one whose condition does not', async () => {
    const clock = new ManualClock(0);
    const repairs: string[] = [];
    const lab = fakeLabClient({
      renewLease: async () => {},
      releaseLease: async () => {},
      lookup: async () => ({ rcode: 0, rcodeName: 'NOERROR', addresses: ['10.0.0.1'], nodata: false }),
      status: async () => ({ ready: true, services: [], dns: null, customer: { requests: 0, successes: 0, errors: {} } }),
      controller: async (path: string, init?: { body?: { action?: string } }) => {
        if (path === '/api/repair') {
          repairs.push(init?.body?.action ?? '?');
          return { ok: true };
        }
        // The one state the runbook's conditions read: the EC2 control plane's.
        if (path.endsWith('/state')) return { service: 'ec2', time: 0, state: labState('ec2', { throttle: { enabled: true }, dwfm: { leasedFraction: 1 } }) };
        if (path.startsWith('/api/timeline')) return { intervalMs: 1000, series: {}, samples: [] };
        throw new Error(`controller GET ${path}: 502`);
      },
    } as never);
    const experiment = parseExperiment(
      `title: t
description: d
steady-state-hypothesis:
  title: h
  probes:
    - { type: probe, name: p, provider: { type: dns, name: kv.lab.internal }, tolerance: { type: range, target: addresses, range: [1, 9] } }
method:
  - type: action
    name: restart-dwfm
    provider: { type: repair, action: restart-dwfm }
    when: { probe: { type: state, service: launcher, path: dwfm.leasedFraction }, until: { type: range, target: value, range: [0, 0.9] } }
  - type: action
    name: lift-the-throttle
    provider: { type: repair, action: unthrottle }
    when: { probe: { type: state, service: launcher, path: throttle.enabled }, until: { type: value, target: value, value: true } }
`,
      'w.yaml',
    );
    const journal = await settle(clock, runExperiment(experiment, { scenario: 'w', seed: 1, fixes: [], lab, clock }), 100);
    assert.deepEqual(repairs, ['unthrottle'], 'only the step whose condition held ran');
    const method = journal.activities.filter((a) => a.phase === 'method');
    assert.deepEqual(method.map((a) => [a.name, a.ok, a.skipped ?? false]), [
      ['restart-dwfm', true, true],
      ['lift-the-throttle', true, false],
    ]);
    assert.equal(journal.status, 'completed');
  });
});
