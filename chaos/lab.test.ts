import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unsettled } from './lab.js';

const launcher = (over: Record<string, unknown> = {}) => ({
  dwfm: { leasedFraction: 1 },
  instances: { running: 21, pending: 0, 'network-pending': 0 },
  autoscaling: { missing: { 'az-a': 0, 'az-b': 0, 'az-c': 0 } },
  network: { backlog: 0 },
  ...over,
});

describe('a settled lab', () => {
  it('is at rest when every droplet is leased, every instance runs configured and every target is in service', () => {
    assert.equal(unsettled(launcher(), { healthyCapacity: 21 }), null);
  });

  it('says what it is still waiting for', () => {
    assert.match(unsettled(launcher({ dwfm: { leasedFraction: 0.5 } }), { healthyCapacity: 21 }) ?? '', /DWFM/);
    assert.match(unsettled(launcher({ autoscaling: { missing: { 'az-a': 2 } } }), { healthyCapacity: 21 }) ?? '', /launching/);
    assert.match(unsettled(launcher({ instances: { running: 19, 'network-pending': 2 } }), { healthyCapacity: 19 }) ?? '', /launching/);
    assert.match(unsettled(launcher({ network: { backlog: 1 } }), { healthyCapacity: 21 }) ?? '', /launching/);
    assert.match(unsettled(launcher(), { healthyCapacity: 17 }) ?? '', /17 of 21/);
  });

  it('is at rest at once in a lab without a launcher', () => {
    assert.equal(unsettled(null, null), null);
  });
});
