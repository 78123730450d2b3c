/**
 * Anything with a uniform [0, 1) generator. The runtime's seeded `Rng` satisfies it; so does
 * `{ next: Math.random }` where reproducibility does not matter.
 */
export interface RandomSource {
  /** A uniform number in [0, 1). */
  next(): number;
}

/** A uniform integer in [0, bound), from one draw of `random`. */
export function randomInteger(random: RandomSource, bound: number): number {
  // The clamp guards against sources that return exactly 1.
  return Math.min(bound - 1, Math.floor(random.next() * bound));
}
