import { describe, expect, it } from 'vitest';
import { createLcg, createReplaySource } from './__fixtures__/random-sources';
import { shuffledIndices } from './shuffled-indices';

describe('shuffledIndices', () => {
  it('returns a permutation, the same for the same source state', () => {
    const first = shuffledIndices(50, createLcg(9));
    expect([...first].sort((left, right) => left - right)).toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(shuffledIndices(50, createLcg(9))).toEqual(first);
    expect(shuffledIndices(50, createLcg(10))).not.toEqual(first);
  });

  it('follows Fisher–Yates from the last position down, one draw per position above 0', () => {
    // Draw 0 at each step swaps position i with 0: [0,1,2,3] -> [3,1,2,0] -> [2,1,3,0] -> [1,2,3,0].
    const random = createReplaySource([0, 0, 0]);
    expect(Array.from(shuffledIndices(4, random))).toEqual([1, 2, 3, 0]);
    expect(random.drawn).toBe(3);
    expect(Array.from(shuffledIndices(0, createReplaySource([])))).toEqual([]);
  });
});
