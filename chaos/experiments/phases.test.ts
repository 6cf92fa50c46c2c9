import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../../lib/clock.js';
import type { LabClient } from '../lab-client.js';
import type { StateOf } from '../contracts.js';
import type { CheckerNodeState } from '../../services/nlb/state.js';
import { labState } from '../../test/support/lab-states.js';
import { FLAPPING_MIN_EVENTS, leaseCollapseDetector, nlbFlappingDetector, PhaseIntervals, PhaseTracker, propagationBacklogDetector, waitQuiet, type PhaseDetector } from './phases.js';

/** A lab whose services' /lab/state is whatever the test sets (valid snapshots); a missing one cannot be asked. */
function fakeLab(states: { ec2?: StateOf<'ec2'>; checker?: StateOf<'nlb'> }): Pick<LabClient, 'stateOrNull' | 'checkerState'> {
  return {
    stateOrNull: (async (kind: string) => (kind === 'ec2' ? (states.ec2 ?? null) : null)) as LabClient['stateOrNull'],
    checkerState: async () => states.checker ?? null,
  };
}

/** Thresholds as the lab had them at one fixed pace: 3 s waited, 4 s of work, a 5 s window. */
const TIMING = { backlogWaitMs: 3000, backlogWorkMs: 4000, flappingWindowMs: 5000 };

describe('phase detectors', () => {
  it('lease-collapse: under 90 % of the droplets leased; unknown when the launcher does not answer', async () => {
    const states: { ec2?: StateOf<'ec2'> } = { ec2: labState('ec2', { dwfm: { leased: 300, droplets: 300 } }) };
    const d = leaseCollapseDetector(fakeLab(states));
    assert.equal(await d.sample(), false);
    states.ec2 = labState('ec2', { dwfm: { leased: 271, droplets: 300 } });
    assert.equal(await d.sample(), false);
    states.ec2 = labState('ec2', { dwfm: { leased: 269, droplets: 300 } });
    assert.equal(await d.sample(), true);
    delete states.ec2;
    assert.equal(await d.sample(), null);
  });

  it('propagation-backlog: the oldest waiting instance has waited 3 s or more', async () => {
    const states = { ec2: labState('ec2', { network: { latencyMs: { oldestWaitingMs: 2900 } } }) };
    const d = propagationBacklogDetector(fakeLab(states), TIMING);
    assert.equal(await d.sample(), false);
    states.ec2 = labState('ec2', { network: { latencyMs: { oldestWaitingMs: 3000 } } });
    assert.equal(await d.sample(), true);
    states.ec2 = labState('ec2', { network: { latencyMs: { oldestWaitingMs: 0 }, backlog: 7, ratePerSecond: 2 } });
    assert.equal(await d.sample(), false, '3.5 s of work');
    states.ec2 = labState('ec2', { network: { latencyMs: { oldestWaitingMs: 0 }, backlog: 8, ratePerSecond: 2 } });
    assert.equal(await d.sample(), true, '4 s of work waiting, before anyone has waited long');
  });

  it('nlb-flapping: three flaps, late checks or DNS removals within 5 s; fewer is noise; a node merely out of DNS is not flapping', async () => {
    const clock = new ManualClock(0);
    const base = { totals: { flaps: 3, lateChecks: 4, dnsRemovals: 0 }, dnsWeights: { 'az-a': 5, 'az-b': 5 }, targetsByAz: { 'az-a': { total: 5, inService: 5 }, 'az-b': { total: 5, inService: 5 } } };
    const at = (flaps: number, lateChecks: number, dnsRemovals = 0) => labState('nlb', { ...base, totals: { flaps, lateChecks, dnsRemovals } });
    const states: { checker?: StateOf<'nlb'> } = { checker: labState('nlb', base) };
    const d = nlbFlappingDetector(fakeLab(states), () => clock.now(), TIMING);
    assert.equal(await d.sample(), false, 'counters that rose before the run do not count');
    await clock.advance(1000);
    states.checker = at(4, 4);
    assert.equal(await d.sample(), false, `one flap is below ${FLAPPING_MIN_EVENTS} events`);
    await clock.advance(1000);
    states.checker = at(4, 5, 1);
    assert.equal(await d.sample(), true, 'a flap, a late check and a DNS removal within the window');
    await clock.advance(3500);
    assert.equal(await d.sample(), true, 'still within the window of the last two');
    await clock.advance(1000);
    assert.equal(await d.sample(), false, 'the first event left the window: two remain');
    await clock.advance(5000);
    states.checker = { ...(at(4, 5, 1) as CheckerNodeState), dnsWeights: { 'az-a': 5 } };
    assert.equal(await d.sample(), false, 'az-b out of DNS, counters still');
    states.checker = at(4, 8, 1);
    assert.equal(await d.sample(), true, 'three late checks at once');
  });
});

describe('PhaseIntervals and PhaseTracker', () => {
  it('turns samples into intervals, keeps the last verdict when a detector cannot tell, and ends a phase after 2 s false', async () => {
    const clock = new ManualClock(0);
    const answers: (boolean | null)[] = [false, true, null, true, false, null, false, false, true, false, false, false];
    const detector: PhaseDetector = { name: 'x', sample: async () => (answers.length ? (answers.shift() as boolean | null) : false) };
    const tracker = new PhaseIntervals([detector], () => clock.now());
    for (let i = 0; i < 12; i++) {
      await tracker.sampleOnce();
      await clock.advance(1000);
    }
    // 1 and 3 true (2 unknown), 4 false, 5 unknown, 6 false: false for 2 s after the last true (3), so
    // it ended at 3; 8 true again opens a new phase that ends at 8 once 10 is false too.
    assert.deepEqual(tracker.phases, [
      { name: 'x', start: 1000, end: 3000 },
      { name: 'x', start: 8000, end: 8000 },
    ]);
  });

  it('a detector that throws cannot tell, that sample; the other detectors still open and end their phases', async () => {
    const clock = new ManualClock(0);
    const flaky: PhaseDetector = { name: 'flaky', sample: async () => { throw new Error('the service did not answer'); } };
    const answers = [true, true, false, false, false];
    const steady: PhaseDetector = { name: 'steady', sample: async () => answers.shift() ?? false };
    const tracker = new PhaseIntervals([flaky, steady], () => clock.now());
    for (let i = 0; i < 5; i++) {
      await tracker.sampleOnce();
      await clock.advance(1000);
    }
    assert.deepEqual(tracker.phases, [{ name: 'steady', start: 0, end: 1000 }]);
    assert.deepEqual(tracker.active(), [], 'false from 2 s on, so over by 4 s');
  });

  it('stop() ends its wait between samples at once and marks open phases ongoing', async () => {
    const clock = new ManualClock(0);
    let samples = 0;
    const detector: PhaseDetector = { name: 'x', sample: async () => (samples++, true) };
    const tracker = new PhaseTracker([detector], clock, () => clock.now(), 60_000);
    tracker.start();
    await clock.advance(1);
    assert.equal(clock.pendingSleepers, 1, 'waiting a minute for the next sample');
    const phases = await tracker.stop(); // resolves with no time passing
    assert.deepEqual(phases, [{ name: 'x', start: 0, end: 0, ongoing: true }]);
    assert.equal(clock.pendingSleepers, 0);
    assert.equal(samples, 1);
  });
});

describe('waitQuiet', () => {
  const WAIT = { watchMs: 3000, quietMs: 2000, timeoutMs: 20_000, everyMs: 250 };

  it('returns quiet once no phase has been under way for quietMs, after watching watchMs, and names what it saw', async () => {
    const clock = new ManualClock(0);
    // Active for the first 4 s of samples, then false for good.
    const detector: PhaseDetector = { name: 'nlb-flapping', sample: async () => clock.now() < 4000 };
    const outcome = await settle(clock, waitQuiet([detector], clock, WAIT), 250);
    assert.equal(outcome.quiet, true);
    assert.deepEqual(outcome.seen, ['nlb-flapping']);
    // Last true at 3.75 s; false for 2 s from there: over at 5.75 s, not before.
    assert.ok(outcome.waitedMs >= 5750 && outcome.waitedMs <= 6250, `waited ${outcome.waitedMs} ms`);
  });

  it('watches watchMs even when nothing is under way at first', async () => {
    const clock = new ManualClock(0);
    const detector: PhaseDetector = { name: 'nlb-flapping', sample: async () => false };
    const outcome = await settle(clock, waitQuiet([detector], clock, WAIT), 250);
    assert.deepEqual(outcome.seen, []);
    assert.ok(outcome.quiet && outcome.waitedMs >= WAIT.watchMs && outcome.waitedMs < WAIT.watchMs + 500, `waited ${outcome.waitedMs} ms`);
  });

  it('a phase under way whose detector stops answering stays under way: no quiet inferred, the timeout ends the wait', async () => {
    const clock = new ManualClock(0);
    const detector: PhaseDetector = {
      name: 'propagation-backlog',
      sample: async () => {
        if (clock.now() < 1000) return true;
        throw new Error('the launcher does not answer');
      },
    };
    const outcome = await settle(clock, waitQuiet([detector], clock, WAIT), 250);
    assert.equal(outcome.quiet, false);
    assert.deepEqual(outcome.seen, ['propagation-backlog']);
    assert.ok(outcome.waitedMs >= WAIT.timeoutMs, `waited ${outcome.waitedMs} ms`);
  });
});
