import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyedUniforms } from './random.js';

describe('keyedUniforms', () => {
  it('gives the same draws for the same key', () => {
    const a = keyedUniforms('i-0123456789abcdef0');
    const b = keyedUniforms('i-0123456789abcdef0');
    for (let i = 0; i < 5; i++) assert.equal(a(), b());
  });

  it('gives unrelated first draws for keys one character apart', () => {
    // Sequential ids: the first draw of each stream must still be uniform on [0, 1) (mean 1/2, spread 0.289).
    const firsts = Array.from({ length: 4000 }, (_, n) => keyedUniforms(`i-${n.toString(16).padStart(17, '0')}`)());
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    const spread = Math.sqrt(firsts.reduce((a, x) => a + (x - mean) ** 2, 0) / firsts.length);
    assert.ok(firsts.every((x) => x >= 0 && x < 1));
    assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean.toFixed(3)}`);
    assert.ok(Math.abs(spread - 0.2887) < 0.02, `spread ${spread.toFixed(3)}`);
  });
});
