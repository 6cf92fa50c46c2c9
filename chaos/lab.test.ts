import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, settle } from '../lib/clock.js';
import type { LabClient } from './lab-client.js';
import { DWFM_SETTLE_MS, unsettled, waitSettled } from './lab.js';
import type { StateOf } from './contracts.js';
import { labState, type DeepPartial } from '../test/support/lab-states.js';

const launcher = (over: DeepPartial<StateOf<'ec2'>> = {}) =>
  labState('ec2', {
    dwfm: { leasedFraction: 1 },
    instances: { running: 21, pending: 0, 'network-pending': 0 },
    autoscaling: { missing: { 'az-a': 0, 'az-b': 0, 'az-c': 0 } },
    network: { backlog: 0 },
    ...over,
  });
const nlb = (healthyCapacity: number) => labState('nlb', { healthyCapacity });

describe('a settled lab', () => {
  it('is at rest when every droplet is leased, every instance runs configured and every target is in service', () => {
    assert.equal(unsettled(launcher(), nlb(21)), null);
  });

  it('says what it is still waiting for', () => {
    assert.match(unsettled(launcher({ dwfm: { leasedFraction: 0.5 } }), nlb(21)) ?? '', /DWFM/);
    assert.match(unsettled(launcher({ autoscaling: { missing: { 'az-a': 2 } } }), nlb(21)) ?? '', /launching/);
    assert.match(unsettled(launcher({ instances: { running: 19, 'network-pending': 2 } }), nlb(19)) ?? '', /launching/);
    assert.match(unsettled(launcher({ network: { backlog: 1 } }), nlb(21)) ?? '', /launching/);
    assert.match(unsettled(launcher(), nlb(17)) ?? '', /17 of 21/);
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

  it('returns once the fleet is at rest twice in a row', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    let inService = 15;
    const lab = labWith(() => ({ ec2: launcher(), checker: nlb(inService) }));
    const done = waitSettled(lab, 120_000, (l) => lines.push(l), clock);
    await clock.advance(10_000);
    inService = 21;
    await settle(clock, done, 500);
    assert.ok(clock.now() >= 12_000, 'not before two restful samples');
    assert.deepEqual(lines, ['waiting for the NLB bringing targets into service (15 of 21)']);
  });

  it('gives up on DWFM after a minute with what the operator must do; other waits end in an error', async () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const collapsed = labWith(() => ({ ec2: launcher({ dwfm: { leasedFraction: 0, leased: 0, droplets: 450 } }), checker: nlb(21) }));
    await settle(clock, waitSettled(collapsed, 600_000, (l) => lines.push(l), clock), 500);
    assert.ok(clock.now() >= DWFM_SETTLE_MS && clock.now() < DWFM_SETTLE_MS + 5000);
    assert.match(lines.at(-1) ?? '', /0 of 450 droplets .*repair restart-dwfm/);
    const stuck = labWith(() => ({ ec2: launcher(), checker: nlb(3) }));
    const later = new ManualClock(0);
    const failed = await settle(later, waitSettled(stuck, 30_000, () => {}, later).then(() => null, (err: Error) => err), 500);
    assert.match(String(failed), /did not settle within 30 s \(the NLB bringing targets into service \(3 of 21\)\)/);
  });
});
