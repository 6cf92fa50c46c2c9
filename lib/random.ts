// Seeded randomness: every random choice in the lab (backoff jitter, weighted answers, fault toxicity)
// comes from one of these, so a run with the same --seed makes the same choices.
import { mersenne, xoroshiro128plus, unsafeUniformIntDistribution, type RandomGenerator } from 'pure-rand';

export class Random {
  private readonly gen: RandomGenerator;
  constructor(
    readonly seed: number,
    gen?: RandomGenerator,
  ) {
    this.gen = gen ?? xoroshiro128plus(seed | 0);
  }

  /**
   * Draws determined by a key (an instance id): the same key, the same draws. Keys that differ in one
   * character give unrelated streams (an FNV-1a hash seeds a Mersenne Twister; xoroshiro's first draws
   * from nearby seeds are alike).
   */
  static keyed(key: string): Random {
    let hash = 0x811c9dc5;
    for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
    return new Random(hash | 0, mersenne(hash | 0));
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return unsafeUniformIntDistribution(0, 0x3fffffff, this.gen) / 0x40000000;
  }
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.gen);
  }
  /** Picks an index with probability proportional to its weight; -1 when every weight is 0. */
  weightedIndex(weights: readonly number[]): number {
    const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
    if (total <= 0) return -1;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= Math.max(0, weights[i] ?? 0);
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
  /** A new independent stream derived from this one (for one component of a run). */
  fork(): Random {
    return new Random(this.int(0, 0x7fffffff));
  }
}

export function seedFromEnv(value: string | undefined): number {
  if (value !== undefined && value !== '' && Number.isFinite(Number(value))) return Number(value) | 0;
  return (Date.now() ^ (process.pid << 8)) | 0;
}
