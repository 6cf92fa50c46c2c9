import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../lib/clock.js';
import { fakeLabClient } from '../../test/support/fake-lab.js';
import { labState } from '../../test/support/lab-states.js';
import { parseExperiment } from './format.js';
import { runExperiment, type Journal } from './runner.js';
import { LabClock } from '../../lib/lab-clock.js';
import { Schedule } from './schedule.js';

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

describe('a steady state that does not hold', () => {
  it("says what its wait last saw, in its progress and in the run's reason, so that a failed run tells a lab in collapse from one a droplet short", async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const lab = runbookLab([], { dwfm: () => ({ leased: 287, droplets: 300, leasedFraction: 0.9567 }) });
    const experiment = parseExperiment(
      `title: t
description: d
steady-state-hypothesis:
  title: h
  probes:
    - type: probe
      name: every-droplet-is-leased
      provider:
        type: wait
        probe: { type: state, service: launcher, path: dwfm.leasedFraction }
        until: { type: range, target: value, range: [1, 1] }
        timeout: 2s
method:
  - { type: action, name: never, provider: { type: repair, action: restart-dwfm } }
`,
      's.yaml',
    );
    const journal = await settle(clock, runExperiment(experiment, { scenario: 's', seed: 1, fixes: [], lab, clock, progress: (l) => lines.push(l) }), 100);
    assert.equal(journal.status, 'aborted');
    assert.ok(lines.some((l) => /not met after 2\.\d s \(last: 0\.9567\)/.test(l)), lines.join('\n'));
    // The reason a game day or the CLI shows names the probe and its value, not only "not healthy".
    assert.match(journal.reason ?? '', /^the steady state did not hold before the method: every-droplet-is-leased \(last: 0\.9567\) \(is the lab healthy\?/);
  });
});

type Answer = { rcode: number; rcodeName: string; addresses: string[]; nodata: boolean };
const SERVED: Answer = { rcode: 0, rcodeName: 'NOERROR', addresses: ['10.0.0.1'], nodata: false };

/**
 * A lab whose runbook actions are recorded in `calls`; by default its kv endpoint resolves and every
 * droplet is leased, or as `lookup` and `dwfm` say.
 */
type DwfmLeases = { leased: number; droplets: number; leasedFraction: number };
const runbookLab = (calls: string[], over: { lookup?: () => Answer; dwfm?: () => DwfmLeases; flaps?: () => number } = {}) => {
  const { flaps } = over;
  return fakeLabClient({
    ...(flaps ? { checkerState: async () => labState('nlb', { isChecker: true, failoverEnabled: true, totals: { flaps: flaps(), lateChecks: 0, dnsRemovals: 0 } }) } : {}),
    renewLease: async () => {},
    releaseLease: async () => {},
    lookup: async () => over.lookup?.() ?? SERVED,
    status: async () => ({ time: 0, ready: true, services: [], dns: null, customer: { requests: 0, successes: 0, errors: {}, lastError: null } }),
    controller: async (path: string, init?: { body?: unknown }) => {
      if (path === '/api/repair') {
        calls.push((init?.body as { action: string }).action);
        return { ok: true };
      }
      if (path.endsWith('/state')) return { service: 'ec2', time: 0, state: labState('ec2', { dwfm: over.dwfm?.() ?? { leasedFraction: 1 } }) };
      if (path.startsWith('/api/timeline')) return { intervalMs: 1000, series: {}, samples: [] };
      throw new Error(`controller GET ${path}: 502`);
    },
  });
};

/** An experiment's head: the kv endpoint as the steady state, and a first step named trigger. */
const triggeredBy = (extra: string) => `title: t
description: d
${extra}steady-state-hypothesis:
  title: h
  probes: [{ type: probe, name: p, provider: { type: dns, name: kv.lab.internal } }]
method:
  - { type: probe, name: trigger, provider: { type: dns, name: kv.lab.internal } }`;

describe('a run begun while a phase of what came before is under way', () => {
  const experiment = parseExperiment(triggeredBy('phases: [nlb-flapping]\n'), 'quiet.yaml');
  const clock10 = LabClock.parse('1h=10s');

  it('waits for it to end before the method, so that its journal holds only the phases it caused', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    // The last run's checks still flap (a flap every 250 ms) for the first 8 s, then are quiet for good.
    const lab = runbookLab([], { flaps: () => Math.floor(Math.min(clock.now(), 8_000) / 250) });
    const journal = await settle(clock, runExperiment(experiment, { scenario: 'q', seed: 1, fixes: [], lab, clock, labClock: clock10, progress: (l) => lines.push(l) }), 100);
    assert.equal(journal.status, 'completed', journal.reason);
    assert.deepEqual(journal.phases, [], 'the flapping before the method is not the run\u2019s');
    // Flapping until the 8 s flaps leave the detector's window (5 s at 1h=10s), then quiet for 2 s.
    const trigger = journal.activities.find((a) => a.name === 'trigger')!;
    assert.ok(trigger.start >= 13_000 && trigger.start <= 16_000, `the method began at ${trigger.start} ms`);
    assert.ok(lines.some((l) => /waited [\d.]+ s for nlb-flapping to end before the method/.test(l)), lines.join('\n'));
  });

  it('gives up after six AWS hours, says which phase went on, and does not run the method', async () => {
    const clock = new ManualClock(0);
    const lab = runbookLab([], { flaps: () => Math.floor(clock.now() / 250) });
    const journal = await settle(clock, runExperiment(experiment, { scenario: 'q', seed: 1, fixes: [], lab, clock, labClock: clock10 }), 100);
    assert.equal(journal.status, 'aborted', 'exit code 2, as for a lab not healthy to begin with');
    assert.match(journal.reason ?? '', /^nlb-flapping still under way after 60\.\d s: the lab has not come to rest/);
    assert.equal(journal.activities.some((a) => a.name === 'trigger'), false, 'the method was not run');
    assert.deepEqual(journal.phases, []);
  });
});

describe('runbook steps on the 20 October timeline', () => {
  const lab = runbookLab;
  const experiment = parseExperiment(
    `${triggeredBy('')}
  - type: action
    name: repair
    provider: { type: repair, action: dns }
    at: { aws: 2h37m, after: trigger }
  - type: action
    name: nothing-to-do
    provider: { type: repair, action: restart-dwfm }
    at: { aws: 14h, after: trigger }
    when: { probe: { type: state, service: launcher, path: dwfm.leasedFraction }, until: { type: range, target: value, range: [0, 0.9] } }
  - type: action
    name: after-a-phase
    provider: { type: repair, action: failover-off }
    at: { aws: 9h48m }
    when: { probe: { type: phase, name: dns-empty }, until: { type: value, target: seen, value: true } }
`,
    'timeline.yaml',
  );

  for (const [text, seconds] of [['1h=10s', 26.2], ['1h=60s', 157]] as const) {
    it(`runs a step at its AWS time scaled by the clock (${text}: +2h37m is ${seconds} s), and skips a step with nothing to do without waiting for its time`, async () => {
      const clock = new ManualClock(0);
      const calls: string[] = [];
      const journal = await settle(clock, runExperiment(experiment, { scenario: 't', seed: 1, fixes: [], lab: lab(calls), clock, labClock: LabClock.parse(text) }), 100);
      assert.equal(journal.clock, text);
      const trigger = journal.activities.find((a) => a.name === 'trigger')!;
      const repair = journal.activities.find((a) => a.name === 'repair')!;
      assert.ok(Math.abs(repair.start - trigger.end - seconds * 1000) <= 150, `repair at +${(repair.start - trigger.end) / 1000} s`);
      assert.deepEqual(calls, ['dns'], 'the skipped steps were not taken');
      for (const name of ['nothing-to-do', 'after-a-phase']) assert.equal(journal.activities.find((a) => a.name === name)?.skipped, true, name);
      assert.ok(journal.durationMs < repair.end + 1000, `the run ended after the last step taken (${journal.durationMs} ms), not at +14h`);
    });
  }

  it('once a phase was seen, a step whose condition does not hold yet waits for its time and looks again', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    let triggeredAt: number | null = null;
    // Leases are lost as soon as the method begins (lease-collapse is seen); the kv endpoint empties 20 s
    // after the first lookup, so "dns-empty seen" is false when the step comes up and true by its time.
    const cascading = runbookLab(calls, {
      lookup: () => {
        const empty = triggeredAt !== null && clock.now() - triggeredAt >= 20_000;
        if (triggeredAt === null) triggeredAt = clock.now();
        return empty ? { rcode: 0, rcodeName: 'NOERROR', addresses: [], nodata: true } : SERVED;
      },
      dwfm: () => (triggeredAt !== null && clock.now() > triggeredAt ? { leased: 100, droplets: 300, leasedFraction: 0.33 } : { leased: 300, droplets: 300, leasedFraction: 1 }),
    });
    const later = parseExperiment(
      `title: t
description: d
steady-state-hypothesis: { title: h, probes: [{ type: probe, name: p, provider: { type: dns, name: kv.lab.internal } }] }
phases: [lease-collapse, dns-empty]
method:
  - { type: probe, name: trigger, provider: { type: dns, name: kv.lab.internal }, pauses: { after: 3s } }
  - type: action
    name: once-dns-emptied
    provider: { type: repair, action: failover-off }
    at: { aws: 9h48m, after: trigger }
    when: { probe: { type: phase, name: dns-empty }, until: { type: value, target: seen, value: true } }
`,
      'later.yaml',
    );
    const journal = await settle(clock, runExperiment(later, { scenario: 't', seed: 1, fixes: [], lab: cascading, clock, labClock: LabClock.parse('1h=10s') }), 100);
    assert.ok(journal.phases.some((p) => p.name === 'lease-collapse'), 'a phase was seen before the step came up');
    const step = journal.activities.find((a) => a.name === 'once-dns-emptied')!;
    assert.equal(step.skipped, undefined, 'its condition held at its time');
    assert.deepEqual(calls, ['failover-off']);
    const trigger = journal.activities.find((a) => a.name === 'trigger')!;
    assert.ok(Math.abs(step.start - trigger.end - 98_000) <= 150, `taken at +9h48m (${(step.start - trigger.end) / 1000} s)`);
  });

  it('refuses `at` after an activity that does not run before it, with the line', () => {
    const text = `title: t
description: d
steady-state-hypothesis: { title: h, probes: [{ type: probe, name: p, provider: { type: dns, name: x } }] }
method:
  - { type: action, name: a, provider: { type: clear-faults }, at: { aws: 1h, after: b } }
  - { type: action, name: b, provider: { type: clear-faults } }
`;
    assert.throws(() => parseExperiment(text, 'at.yaml'), /at\.yaml:5: method\.0\.at\.after: no activity named "b" runs before "a"/);
    assert.throws(() => parseExperiment(text.replace('aws: 1h', 'aws: soon'), 'at.yaml'), /an AWS time like 2h37m/);
  });
});

describe('a run played as a game day', () => {
  const lab = runbookLab;
  const experiment = parseExperiment(
    `${triggeredBy('game: { trigger: trigger }\n')}
  - type: action
    name: repair
    operator: true
    pausable: true
    provider: { type: repair, action: dns }
    at: { aws: 2h, after: trigger }
    when: { probe: { type: dns, name: kv.lab.internal }, until: { type: range, target: addresses, range: [0, 0] } }
  - type: action
    name: the-end
    operator: true
    pausable: true
    provider: { type: repair, action: failover-on }
    at: { aws: 4h, after: trigger }
rollbacks:
  - { type: action, name: unthrottle, provider: { type: repair, action: unthrottle } }
`,
    'game.yaml',
  );
  const clock10 = LabClock.parse('1h=10s');
  const step = (j: Journal, name: string) => j.activities.find((a) => a.phase === 'method' && a.name === name)!;

  it('keeps the operators\' steps on the schedule without taking them or asking their condition; a normal run takes them', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    const finish = new AbortController();
    const journal = await settle(clock, runExperiment(experiment, { scenario: 'g', seed: 1, fixes: [], lab: lab(calls), clock, labClock: clock10, game: { schedule: new Schedule(clock), finish: finish.signal } }), 100);
    assert.deepEqual(calls, ['unthrottle'], 'only the rollback was taken');
    const repair = step(journal, 'repair');
    assert.equal(repair.skipped, true);
    assert.deepEqual(repair.output, { leftTo: 'the responders' }, 'its condition (the endpoint empty) was not asked: it would have skipped it');
    assert.ok(Math.abs(repair.start - step(journal, 'trigger').end - 20_000) <= 150, `at +2h (${repair.start} ms)`);
    assert.ok(Math.abs(step(journal, 'the-end').start - 40_000) <= 200, 'the game lasts until the last step is due');
    assert.equal(journal.status, 'completed');

    const normal: string[] = [];
    const plain = await settle(clock, runExperiment(experiment, { scenario: 'g', seed: 1, fixes: [], lab: lab(normal), clock, labClock: clock10 }), 100);
    assert.deepEqual(normal, ['failover-on', 'unthrottle'], 'outside a game the runner takes them (repair skipped by its condition)');
    assert.equal(step(plain, 'repair').skipped, true);
    assert.notDeepEqual(step(plain, 'repair').output, { leftTo: 'the responders' });
  });

  it('holds the schedule while paused, and ends the method (steady state checked, rollbacks run) when the game ends', async () => {
    const clock = new ManualClock(0);
    const calls: string[] = [];
    const schedule = new Schedule(clock);
    const finish = new AbortController();
    let live: { pausable?(): boolean } | null = null;
    const running = runExperiment(experiment, { scenario: 'g', seed: 1, fixes: [], lab: lab(calls), clock, labClock: clock10, game: { schedule, finish: finish.signal }, observe: (r) => (live = r) });
    await clock.advance(5000);
    assert.equal(live!.pausable?.(), true, 'waiting for a pausable step');
    schedule.pause();
    await clock.advance(60_000);
    schedule.resume();
    await clock.advance(20_000);
    finish.abort('ended by the facilitator');
    const journal = await settle(clock, running, 100);
    assert.ok(step(journal, 'repair').start >= 80_000, `the pause moved the step by a minute (${step(journal, 'repair').start} ms)`);
    assert.equal(journal.activities.some((a) => a.name === 'the-end'), false, 'the rest of the method was not taken');
    assert.deepEqual(journal.activities.filter((a) => a.phase === 'hypothesis-after').map((a) => a.name), ['p']);
    assert.equal(journal.status, 'completed');
    assert.deepEqual(calls, ['unthrottle']);
    assert.equal(live!.pausable?.(), false);
  });
});
