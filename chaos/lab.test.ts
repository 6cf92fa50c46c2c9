import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../lib/clock.js';
import { LabClock } from '../lib/lab-clock.js';
import type { LabClient } from './lab-client.js';
import { DWFM_SETTLE_MS, settleTimeoutMs, unsettled, waitSettled } from './lab.js';
import type { StateOf } from './contracts.js';
import { labState, type DeepPartial } from '../test/support/lab-states.js';
import type { CheckerNodeState } from '../services/nlb/state.js';

const launcher = (over: DeepPartial<StateOf<'ec2'>> = {}) =>
  labState('ec2', {
    dwfm: { leasedFraction: 1 },
    instances: { running: 170, pending: 1, 'network-pending': 2 },
    autoscaling: { missing: { 'az-a': 0, 'az-b': 0, 'az-c': 0 } },
    network: { backlog: 2, latencyMs: { oldestWaitingMs: 200 } },
    ...over,
  });
type Round = NonNullable<CheckerNodeState['lastRound']>;
const round = (over: Partial<Round> = {}): Round => ({
  round: 7, startedAt: 0, durationMs: 40, backlogMs: 0, checks: 45, lateChecks: 0, targetsRemoved: 0, targetsReturned: 0, removalsDeferred: 0,
  capacityBefore: 42, capacityRemoved: 0, dnsWeightBefore: 42, dnsWeightRemoved: 0, nodesRemovedFromDns: [], nodesReturnedToDns: [], stateChanges: 0, removedShare: 0, ...over,
});
const nlb = (
  inService: number,
  dnsWeights: Record<string, number> = { 'az-a': 14, 'az-b': 14, 'az-c': 14 },
  checks: { lastRound?: Round; flaps?: number; lateChecks?: number } = {},
): StateOf<'nlb'> => ({
  ...labState('nlb', {
    healthyCapacity: inService,
    targetsByAz: { 'az-a': { total: 14, inService: Math.min(14, inService) }, 'az-b': { total: 14, inService: Math.min(14, Math.max(0, inService - 14)) }, 'az-c': { total: 14, inService: Math.max(0, inService - 28) } },
    totals: { flaps: checks.flaps ?? 0, lateChecks: checks.lateChecks ?? 0 },
  }),
  lastRound: checks.lastRound ?? round(),
  dnsWeights,
}) as StateOf<'nlb'>;
const TIMING = { backlogWaitMs: 2500 };

describe('a settled lab', () => {
  it('is at rest while it churns: every droplet leased, fleets at size, no backlog, 90 % of the targets in service', () => {
    assert.equal(unsettled(launcher(), nlb(42), TIMING), null, 'a replacement or two on the way is rest');
    assert.equal(unsettled(launcher(), nlb(38), TIMING), null);
  });

  it('says what it is still waiting for', () => {
    assert.match(unsettled(launcher({ dwfm: { leasedFraction: 0.5 } }), nlb(42), TIMING) ?? '', /DWFM/);
    assert.match(unsettled(launcher({ autoscaling: { missing: { 'az-a': 2 } } }), nlb(42), TIMING) ?? '', /launching/);
    assert.match(unsettled(launcher({ network: { backlog: 40, latencyMs: { oldestWaitingMs: 1250 } } }), nlb(42), TIMING) ?? '', /the network manager's backlog/);
    assert.match(unsettled(launcher(), nlb(37), TIMING) ?? '', /37 of 42/);
    assert.match(unsettled(launcher(), nlb(42, { 'az-a': 14, 'az-c': 14 }), TIMING) ?? '', /returning az-b to DNS/);
  });

  it('is not at rest between two rounds of a fresh lab whose checks run late: 42 in service, and 45 changes to work off', () => {
    const weights = { 'az-a': 14, 'az-b': 14, 'az-c': 14 };
    assert.match(unsettled(launcher(), nlb(42, weights, { lastRound: round({ stateChanges: 45, targetsReturned: 42 }) }), TIMING) ?? '', /health checks to quieten/);
    assert.match(unsettled(launcher(), nlb(42, weights, { lastRound: round({ lateChecks: 1 }) }), TIMING) ?? '', /health checks to quieten/);
    assert.equal(unsettled(launcher(), nlb(42, weights, { lastRound: round({ stateChanges: 2 }) }), TIMING), null, 'a replacement or two flipping is rest');
  });

  it('is at rest at once in a lab without a launcher', () => {
    assert.equal(unsettled(null, null), null);
  });
});

describe('waiting for the fleet to settle', () => {
  const labWith = (states: () => { ec2: StateOf<'ec2'>; checker: StateOf<'nlb'> }): Pick<LabClient, 'stateOrNull' | 'checkerState'> => ({
    stateOrNull: (async () => states().ec2) as LabClient['stateOrNull'],
    checkerState: async () => states().checker,
  });

  it('returns once the fleet has been at rest through a window of the flapping detector', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    let inService = 30;
    const lab = labWith(() => ({ ec2: launcher(), checker: nlb(inService) }));
    const done = waitSettled(lab, 120_000, (l) => lines.push(l), clock, LabClock.parse('1h=10s'));
    await clock.advance(10_000);
    inService = 42;
    assert.deepEqual(await settle(clock, done, 500), { settled: true });
    // Samples every 2 s; the one at 10 s still saw 30. At rest from 12 s, through the window (half an AWS
    // hour: 5 s at 1h=10s): the sample at 18 s.
    assert.ok(clock.now() >= 18_000 && clock.now() < 20_000, `returned at ${clock.now()}`);
    assert.deepEqual(lines, ['waiting for the NLB bringing targets into service (30 of 42)']);
  });

  it('starts the window again when the checks flap between two samples, though each sample looks at rest', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const lab = labWith(() => ({ ec2: launcher(), checker: nlb(42, undefined, { flaps: clock.now() < 4_000 ? 10 : 13, lateChecks: clock.now() < 8_000 ? 40 : 80 }) }));
    const done = waitSettled(lab, 120_000, (l) => lines.push(l), clock, LabClock.parse('1h=10s'));
    await settle(clock, done, 500);
    // Samples at 0, 2, 4 (3 flaps since 0: not at rest), 6, 8 (40 late checks since 6: not at rest), 10,
    // 12, 14, 16: at rest from 10 s through the 5 s window.
    assert.ok(clock.now() >= 16_000 && clock.now() < 18_000, `returned at ${clock.now()}`);
    assert.deepEqual(lines, ["waiting for the NLB's health checks to quieten"]);
  });

  // At 1h=60s on 7 December 2026 a fresh lab's health checks flapped for about 6 AWS hours (6 minutes)
  // before they were quiet, and `cascade-lab up --clock 1h=60s` gave up after the 3 AWS hours and two
  // minutes it allowed then. The default wait scales with the clock.
  it('by default waits long enough for a fresh lab that takes 6 AWS hours to come to rest, at every clock', async () => {
    for (const text of ['1h=5s', '1h=10s', '1h=60s']) {
      const labClock = LabClock.parse(text);
      const clock = new ManualClock(0);
      const flapping = labWith(() => ({ ec2: launcher(), checker: clock.now() < labClock.hours(6) ? nlb(42, undefined, { lastRound: round({ lateChecks: 3 }) }) : nlb(42) }));
      const outcome = await settle(clock, waitSettled(flapping, settleTimeoutMs(labClock), () => {}, clock, labClock), 500);
      assert.equal(outcome.settled, true, text);
      assert.ok(clock.now() >= labClock.hours(6), `${text}: it waited for the quiet checks`);
    }
  });

  it('gives up on DWFM after a minute with what the operator must do; other waits end in an error', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const collapsed = labWith(() => ({
      ec2: launcher({ dwfm: { leasedFraction: 0, leased: 0, droplets: 450, queue: { depth: 612 }, lastError: 'establish az-a-d007: deadline' } }),
      checker: nlb(42),
    }));
    const outcome = await settle(clock, waitSettled(collapsed, 600_000, (l) => lines.push(l), clock), 500);
    assert.ok(clock.now() >= DWFM_SETTLE_MS && clock.now() < DWFM_SETTLE_MS + 5000);
    // With what tells a collapse (a deep queue, deadlines) from a kv store out of reach.
    assert.match(lines.at(-1) ?? '', /0 of 450 droplets after 60 s \(its queue 612 deep, last error: establish az-a-d007: deadline\): .*repair restart-dwfm/);
    assert.equal(outcome.settled, false, 'the caller learns the lab is not at rest');
    assert.equal(outcome.settled === false && outcome.reason, lines.at(-1));
    const stuck = labWith(() => ({ ec2: launcher(), checker: nlb(3) }));
    const later = new ManualClock(0);
    const failed = await settle(later, waitSettled(stuck, 30_000, () => {}, later).then(() => null, (err: Error) => err), 500);
    assert.match(String(failed), /did not settle within 30 s \(the NLB bringing targets into service \(3 of 42\)\)/);
  });
});
