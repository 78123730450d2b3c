import { InvalidArgumentError } from './errors';

/**
 * Serialisable state of a {@link Rng}: four 32-bit words of xoshiro128**.
 */
export type RngState = readonly [number, number, number, number];

/**
 * Seeded random number generator (xoshiro128**), the one source of randomness of a run:
 * initialisation, shuffling, augmentation, sampling. Its state is saved in checkpoints, so a
 * resumed run continues the same sequence.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  int(bound: number): number;
  /** Standard normal sample (Box–Muller). */
  normal(): number;
  /** A 31-bit integer seed for tfjs ops and initialisers that take a `seed`. */
  seed(): number;
  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[];
  /** An independent generator derived from this one's seed and a label; does not advance this one. */
  fork(label: string): Rng;
  /** Current state, for checkpoints. */
  getState(): RngState;
  /** Restores a state from {@link Rng.getState}. */
  setState(state: RngState): void;
}

function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let index = 0; index < label.length; index += 1) {
    hash = Math.imul(hash ^ label.charCodeAt(index), 0x01000193);
  }
  return hash >>> 0;
}

/** Creates a {@link Rng} from an integer seed. The same seed always gives the same sequence. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new InvalidArgumentError('seed', `seed must be a finite number, got ${seed}`);
  const baseSeed = Math.floor(seed) >>> 0;
  const mix = splitMix32(baseSeed);
  let s0 = mix();
  let s1 = mix();
  let s2 = mix();
  let s3 = mix();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    s0 >>>= 0;
    s1 >>>= 0;
    s2 >>>= 0;
    s3 >>>= 0;
    return result;
  };

  const rng: Rng = {
    next: () => nextUint32() / 4294967296,
    int: (bound) => Math.floor((nextUint32() / 4294967296) * bound),
    normal: () => {
      const u1 = Math.max(nextUint32() / 4294967296, 1e-12);
      const u2 = nextUint32() / 4294967296;
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    seed: () => nextUint32() >>> 1,
    shuffle: (items) => {
      for (let index = items.length - 1; index > 0; index -= 1) {
        const other = Math.floor((nextUint32() / 4294967296) * (index + 1));
        const held = items[index];
        items[index] = items[other];
        items[other] = held;
      }
      return items;
    },
    fork: (label) => createRng(hashLabel(label, baseSeed)),
    getState: () => [s0, s1, s2, s3],
    setState: (state) => {
      [s0, s1, s2, s3] = state.map((word) => word >>> 0) as [number, number, number, number];
    },
  };
  return rng;
}

function rotl(value: number, shift: number): number {
  return ((value << shift) | (value >>> (32 - shift))) >>> 0;
}
