import { describe, expect, it } from 'vitest';
import { createArrayDataset } from './array-dataset';
import { take } from './take';

// Labels 0,0,0,0,1,1,2,2 with image i filled with the value i, so selected images are easy to read.
const dataset = createArrayDataset({
  name: 'tiny',
  images: Float32Array.from({ length: 8 * 2 }, (_, index) => Math.floor(index / 2)),
  labels: Int32Array.from([0, 0, 0, 0, 1, 1, 2, 2]),
  shape: [1, 2, 1],
  numClasses: 3,
});

describe('take', () => {
  it('keeps class proportions, takes each class from its start and keeps data set order', () => {
    const taken = take(dataset, 4);
    expect(Array.from(taken.labels)).toEqual([0, 0, 1, 2]);
    expect(Array.from(taken.images)).toEqual([0, 0, 1, 1, 4, 4, 6, 6]);
    expect(taken.count).toBe(4);
    expect(taken.name).toBe('tiny');
  });

  it('returns a copy of everything when count reaches the size, and nothing for 0', () => {
    const all = take(dataset, 100);
    expect(all.images).toEqual(dataset.images);
    expect(all.images).not.toBe(dataset.images);
    expect(take(dataset, 0).count).toBe(0);
  });

  it('rejects a negative or fractional count', () => {
    expect(() => take(dataset, -1)).toThrow(RangeError);
    expect(() => take(dataset, 1.5)).toThrow(RangeError);
  });
});
