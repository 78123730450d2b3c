import { DataArgumentError } from './data-errors';
import { randomInteger, type RandomSource } from './random-source';

/**
 * A random permutation of `0 .. count - 1` (Fisher–Yates, from the last position down, one draw
 * of `random` per position above 0). The same source state gives the same permutation.
 */
export function shuffledIndices(count: number, random: RandomSource): Int32Array {
  if (!Number.isInteger(count) || count < 0) throw new DataArgumentError('count', `count must be a non-negative integer, got ${count}`);
  const indices = new Int32Array(count);
  for (let index = 0; index < count; index += 1) indices[index] = index;
  for (let index = count - 1; index > 0; index -= 1) {
    const other = randomInteger(random, index + 1);
    const held = indices[index];
    indices[index] = indices[other];
    indices[other] = held;
  }
  return indices;
}
