import { DataArgumentError } from './data-errors';
import type { RandomSource } from './random-source';

/** A seeded uniform and normal generator for data that must not depend on a caller's source. */
export interface SeededRandom extends RandomSource {
  /** A standard normal sample. */
  normal(): number;
}

/**
 * A small seeded generator (SplitMix32 for the uniform stream, Box–Muller for normals). Used
 * only to make synthetic data; runs pass their own {@link RandomSource} everywhere else.
 * `stream` selects an independent sequence for the same seed.
 */
export function createSeededRandom(seed: number, stream = 0): SeededRandom {
  if (!Number.isFinite(seed)) throw new DataArgumentError('seed', `seed must be a finite number, got ${seed}`);
  let state = (Math.floor(seed) ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
    mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
    return (mixed ^ (mixed >>> 16)) >>> 0;
  };
  let spareNormal: number | undefined;
  return {
    next: () => nextUint32() / 4294967296,
    normal: () => {
      if (spareNormal !== undefined) {
        const value = spareNormal;
        spareNormal = undefined;
        return value;
      }
      // 1 - u keeps the logarithm's argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - nextUint32() / 4294967296));
      const angle = 2 * Math.PI * (nextUint32() / 4294967296);
      spareNormal = radius * Math.sin(angle);
      return radius * Math.cos(angle);
    },
  };
}
