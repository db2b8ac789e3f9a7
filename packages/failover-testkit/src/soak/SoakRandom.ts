import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The soak's one source of chance (pure-rand's xoroshiro128+): the same seed draws the same
 * schedule and the same choices of every caller, so a failing run can be replayed.
 */
export class SoakRandom {
  readonly seed: number;
  readonly #generator: RandomGenerator;

  constructor(seed: number) {
    this.seed = seed;
    this.#generator = xoroshiro128plus(seed);
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return uniformInt(this.#generator, Math.ceil(min), Math.floor(max));
  }

  chance(probability: number): boolean {
    return this.int(0, 999_999) < probability * 1_000_000;
  }

  pick<T>(items: readonly T[], weight: (item: T) => number = () => 1): T {
    const total = items.reduce((sum, item) => sum + Math.max(0, weight(item)), 0);
    let ticket = this.int(0, Math.max(0, Math.ceil(total * 1_000) - 1)) / 1_000;
    for (const item of items) {
      ticket -= Math.max(0, weight(item));
      if (ticket < 0) return item;
    }
    const last = items.at(-1);
    if (last === undefined) throw new Error('SoakRandom.pick: nothing to pick from');
    return last;
  }

  /** An independent stream for one caller, from this seed and its number. */
  fork(n: number): SoakRandom {
    return new SoakRandom((Math.imul(this.seed ^ 0x5bd1e995, 31) + Math.imul(n + 1, 0x9e3779b1)) | 0);
  }
}

/** A seed for a run nobody asked to replay: printed in the report, so it can be. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
