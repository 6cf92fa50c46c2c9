import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mean, spread } from '../test/support/stats.js';
import { Random } from './random.js';

describe('Random.keyed', () => {
  it('gives the same draws for the same key', () => {
    const a = Random.keyed('i-0123456789abcdef0');
    const b = Random.keyed('i-0123456789abcdef0');
    for (let i = 0; i < 5; i++) assert.equal(a.next(), b.next());
  });

  it('gives unrelated first draws for keys one character apart', () => {
    // Sequential ids: the first draw of each stream must still be uniform on [0, 1) (mean 1/2, spread 0.289).
    const firsts = Array.from({ length: 4000 }, (_, n) => Random.keyed(`i-${n.toString(16).padStart(17, '0')}`).next());
    assert.ok(firsts.every((x) => x >= 0 && x < 1));
    assert.ok(Math.abs(mean(firsts) - 0.5) < 0.03, `mean ${mean(firsts).toFixed(3)}`);
    assert.ok(Math.abs(spread(firsts) - 0.2887) < 0.02, `spread ${spread(firsts).toFixed(3)}`);
  });
});
