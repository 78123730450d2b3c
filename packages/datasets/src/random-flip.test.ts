import { describe, expect, it } from 'vitest';
import { createReplaySource } from './__fixtures__/random-sources';
import { randomFlip } from './random-flip';

describe('randomFlip', () => {
  it('mirrors the images whose draw is below 0.5, keeping channels together', () => {
    // Two 2×3 images with 2 channels; pixel (row, column) holds [10 * row + column, -(10 * row + column)].
    const one = [0, 0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12];
    const batch = Float32Array.from([...one, ...one]);
    const random = createReplaySource([0.2, 0.7]);
    const result = randomFlip(batch, [2, 2, 3, 2], random);
    expect(Array.from(result.subarray(0, 12))).toEqual([2, -2, 1, -1, 0, 0, 12, -12, 11, -11, 10, -10]);
    expect(Array.from(result.subarray(12))).toEqual(one);
    expect(random.drawn).toBe(2);
    expect(Array.from(batch.subarray(0, 12))).toEqual(one);
  });

  it('flips about half of many images', () => {
    let state = 12345;
    const random = {
      next: () => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return state / 4294967296;
      },
    };
    const count = 1000;
    const batch = Float32Array.from({ length: count * 2 }, (_, index) => index % 2);
    const result = randomFlip(batch, [count, 1, 2, 1], random);
    let flipped = 0;
    for (let image = 0; image < count; image += 1) if (result[image * 2] === 1) flipped += 1;
    expect(flipped).toBeGreaterThan(440);
    expect(flipped).toBeLessThan(560);
  });
});
