import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { removalAllowance, VelocityBudget } from './velocity.js';

describe('velocity budget', () => {
  it('allows the fraction of the capacity at once, then refills it over the window, never beyond it', () => {
    const budget = new VelocityBudget();
    assert.equal(budget.allowance(21, 0.2, 1000, 0), 4);
    budget.spend(4);
    assert.equal(budget.allowance(21, 0.2, 1000, 100), 0, 'spent: a tenth of the window refills 0.4');
    assert.equal(budget.allowance(21, 0.2, 1000, 500), 2, 'half the window: 2 of 4');
    budget.spend(2);
    assert.equal(budget.allowance(21, 0.2, 1000, 10_000), 4, 'a long quiet spell refills to the fraction, not more');
  });

  it('removes at most one window\'s worth per window however often it is asked', () => {
    const budget = new VelocityBudget();
    let removed = 0;
    for (let t = 0; t <= 3000; t += 50) {
      const n = budget.allowance(21, 0.2, 1000, t);
      budget.spend(n);
      removed += n;
    }
    assert.ok(removed <= 4 + 3 * 4, `removed ${removed} in three windows`);
    assert.ok(removed >= 3 * 4, 'and the budget does refill');
  });

  it('a capacity too small for the fraction still removes one unit per window', () => {
    assert.equal(removalAllowance(2, 0.2), 1);
    const budget = new VelocityBudget();
    assert.equal(budget.allowance(2, 0.2, 1000, 0), 1);
    budget.spend(1);
    assert.equal(budget.allowance(2, 0.2, 1000, 500), 0);
    assert.equal(budget.allowance(2, 0.2, 1000, 1000), 1);
  });
});
