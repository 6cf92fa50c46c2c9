import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../lib/clock.js';
import type { LabClient } from '../lab-client.js';
import { fakeLabClient } from '../../test/support/fake-lab.js';
import { parseExperiment } from './format.js';
import { runProvider, succeeded, type RunContext } from './providers.js';

function context(lab: Partial<LabClient>, clock = new ManualClock(0)): RunContext {
  return { lab: fakeLabClient(lab), clock, elapsed: () => clock.now(), faults: [], signal: new AbortController().signal };
}

/** A wait on `any` of these conditions (YAML flow maps), as a method's one step. */
const waitOnAny = (conditions: string[], timeout: string) =>
  experimentWith(`  - type: probe
    name: w
    provider: { type: wait, any: [${conditions.join(', ')}], timeout: ${timeout} }
`).method[0]!.provider;

const experimentWith = (method: string) =>
  parseExperiment(
    `title: t
description: d
steady-state-hypothesis:
  title: h
  probes:
    - { type: probe, name: p, provider: { type: dns, name: x.lab.internal } }
method:
${method}`,
    'x.yaml',
  );

describe('state probe', () => {
  it('reads a dotted path of a service state through the controller', async () => {
    const ctx = context({ controller: async (path: string) => ({ state: { path, dwfm: { leased: 12 } } }) });
    assert.deepEqual(await runProvider({ type: 'state', service: 'control-plane', path: 'dwfm.leased' }, ctx), { service: 'control-plane', path: 'dwfm.leased', value: 12 });
    assert.equal(((await runProvider({ type: 'state', service: 'control-plane', path: 'dwfm.nope' }, ctx)) as { value: unknown }).value, null);
  });

  it('rejects a path that is not dotted names, with the line', () => {
    assert.throws(() => experimentWith('  - { type: probe, name: s, provider: { type: state, service: launcher, path: "a..b" } }\n'), /x\.yaml:8: .*dotted path/);
  });
});

describe('wait with any', () => {
  it('ends on the first condition met and says which', async () => {
    const clock = new ManualClock(0);
    let stale = 0;
    const ctx = context(
      {
        lookup: async () => ({ rcodeName: 'NOERROR', addresses: ['10.0.0.1'] }) as never,
        controller: async () => ({ state: { stats: { stale } } }),
      },
      clock,
    );
    const provider = waitOnAny(
      [
        '{ probe: { type: dns, name: kv.lab.internal }, until: { type: range, target: addresses, range: [0, 0] } }',
        '{ probe: { type: state, service: dns-enactor-az-a, path: stats.stale }, until: { type: range, target: value, range: [1, 100] } }',
      ],
      '10s',
    );
    const done = runProvider(provider, ctx);
    await clock.advance(1000);
    stale = 1;
    await clock.advance(1000);
    const out = (await done) as { met: boolean; condition: number; afterMs: number };
    assert.equal(out.met, true);
    assert.equal(out.condition, 1);
    assert.ok(out.afterMs >= 1000 && out.afterMs <= 1250, String(out.afterMs));
    assert.equal(succeeded(provider, out), true);
  });

  it('times out when no condition is met', async () => {
    const clock = new ManualClock(0);
    const ctx = context({ lookup: async () => ({ rcodeName: 'NOERROR', addresses: ['10.0.0.1'] }) as never }, clock);
    const done = runProvider(waitOnAny(['{ probe: { type: dns, name: kv }, until: { type: range, target: addresses, range: [0, 0] } }'], '2s'), ctx);
    await clock.advance(3000);
    assert.equal(((await done) as { met: boolean }).met, false);
  });

  it('waits for a counter to increase during the run, not for a count it already had', async () => {
    const clock = new ManualClock(0);
    let stale = 3; // refusals from before the run
    const ctx: RunContext = { ...context({ controller: async () => ({ state: { stats: { stale } } }) }, clock), baselines: new Map() };
    const provider = waitOnAny(['{ probe: { type: state, service: dns-enactor-az-a, path: stats.stale }, until: { type: increase, target: value } }'], '10s');
    const first = runProvider(provider, ctx);
    await clock.advance(2000);
    stale = 4;
    await clock.advance(500);
    const out = (await first) as { met: boolean; afterMs: number };
    assert.equal(out.met, true);
    assert.ok(out.afterMs >= 2000 && out.afterMs <= 2250, `met once it rose, at ${out.afterMs} ms`);
    // A later wait of the same run counts from the same baseline: the refusal has happened, it returns at once.
    const again = (await runProvider(provider, ctx)) as { met: boolean; afterMs: number };
    assert.deepEqual([again.met, again.afterMs], [true, 0]);
    // On its own (no run's baselines) a wait counts from its first sample.
    const alone = runProvider(provider, context({ controller: async () => ({ state: { stats: { stale } } }) }, clock));
    await clock.advance(10_500);
    assert.equal(((await alone) as { met: boolean }).met, false, 'the 4 it first saw is its baseline');
  });

  it('refuses increase where a condition is checked once (when)', () => {
    assert.throws(
      () => experimentWith('  - { type: action, name: a, provider: { type: clear-faults }, when: { probe: { type: state, service: l, path: a.b }, until: { type: increase, target: value } } }\n'),
      /x\.yaml:8: .*when/,
    );
  });

  it('needs either probe and until or any', () => {
    assert.throws(() => experimentWith('  - { type: probe, name: w, provider: { type: wait, timeout: 2s } }\n'), /either probe and until, or any/);
  });
});

describe('when', () => {
  it('is part of the format, with the line of a bad condition', () => {
    const e = experimentWith(`  - type: action
    name: a
    provider: { type: clear-faults }
    when: { probe: { type: state, service: launcher, path: throttle.enabled }, until: { type: value, target: value, value: true } }
`);
    assert.equal(e.method[0]?.when?.probe.type, 'state');
    assert.throws(() => experimentWith('  - { type: action, name: a, provider: { type: clear-faults }, when: { probe: { type: state, service: l } } }\n'), /x\.yaml:8: .*when/);
  });
});
