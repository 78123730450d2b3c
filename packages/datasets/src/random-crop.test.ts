import { describe, expect, it } from 'vitest';
import { createLcg, createReplaySource } from './__fixtures__/random-sources';
import { randomCrop } from './random-crop';

// One 3×3 single-channel image holding 1…9 row by row.
const image = [1, 2, 3, 4, 5, 6, 7, 8, 9];

describe('randomCrop', () => {
  it('shifts each image by its two draws, filling with zeros', () => {
    // Padding 1: a draw in [0, 1/3) shifts by -1, [1/3, 2/3) by 0, [2/3, 1) by +1.
    // Image 0: rows +1, columns -1; image 1: no shift.
    const random = createReplaySource([0.9, 0.1, 0.5, 0.5]);
    const batch = Float32Array.from([...image, ...image]);
    const result = randomCrop(batch, [2, 3, 3, 1], 1, random);
    expect(Array.from(result.subarray(0, 9))).toEqual([0, 4, 5, 0, 7, 8, 0, 0, 0]);
    expect(Array.from(result.subarray(9))).toEqual(image);
    expect(random.drawn).toBe(4);
    expect(Array.from(batch)).toEqual([...image, ...image]);
  });

  it('moves whole pixels, all channels together', () => {
    // A 1×3 image with 2 channels, shifted by columns +1 (rows stay, padding 1 allows only ±1).
    const batch = Float32Array.from([1, 10, 2, 20, 3, 30]);
    const result = randomCrop(batch, [1, 1, 3, 2], 1, createReplaySource([0.5, 0.9]));
    expect(Array.from(result)).toEqual([2, 20, 3, 30, 0, 0]);
  });

  it('blanks an image shifted past its size', () => {
    const result = randomCrop(Float32Array.from(image), [1, 3, 3, 1], 3, createReplaySource([0.99, 0.5]));
    expect(Array.from(result)).toEqual(new Array(9).fill(0));
  });

  it('copies without drawing for padding 0 and is deterministic for a seeded source', () => {
    const source = createReplaySource([]);
    const batch = Float32Array.from(image);
    const copy = randomCrop(batch, [1, 3, 3, 1], 0, source);
    expect(copy).toEqual(batch);
    expect(copy).not.toBe(batch);
    const many = Float32Array.from({ length: 5 * 9 }, (_, index) => index);
    expect(randomCrop(many, [5, 3, 3, 1], 2, createLcg(3))).toEqual(randomCrop(many, [5, 3, 3, 1], 2, createLcg(3)));
  });

  it('rejects a batch that does not match its shape', () => {
    expect(() => randomCrop(new Float32Array(8), [1, 3, 3, 1], 1, createLcg(1))).toThrow(RangeError);
  });
});
