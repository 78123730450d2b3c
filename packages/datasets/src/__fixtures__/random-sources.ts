import type { RandomSource } from '../random-source';

/** A tiny linear congruential generator (Numerical Recipes constants): seeded, portable, enough for tests. */
export function createLcg(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    next: () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    },
  };
}

/** A source that replays `values` in order (and fails loudly when they run out). */
export function createReplaySource(values: readonly number[]): RandomSource & { readonly drawn: number } {
  let position = 0;
  return {
    next: () => {
      if (position >= values.length) throw new Error(`replay source exhausted after ${values.length} draws`);
      const value = values[position];
      position += 1;
      return value;
    },
    get drawn() {
      return position;
    },
  };
}
