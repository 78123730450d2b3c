import { describe, expect, it } from 'vitest';
import { createArrayDataset } from './array-dataset';
import { selectClasses } from './select-classes';

const dataset = createArrayDataset({
  name: 'tiny',
  images: Float32Array.from([0, 1, 2, 3, 4, 5]),
  labels: Int32Array.from([0, 1, 2, 3, 2, 1]),
  shape: [1, 1, 1],
  numClasses: 4,
  classNames: ['a', 'b', 'c', 'd'],
});

describe('selectClasses', () => {
  it('keeps the images of the listed classes in data set order, labels unchanged by default', () => {
    const subset = selectClasses(dataset, [2, 1]);
    expect(Array.from(subset.images)).toEqual([1, 2, 4, 5]);
    expect(Array.from(subset.labels)).toEqual([1, 2, 2, 1]);
    expect(subset.numClasses).toBe(4);
    expect(subset.classNames).toEqual(['a', 'b', 'c', 'd']);
  });

  it('renumbers classes in the order given with relabel', () => {
    const subset = selectClasses(dataset, [2, 1], { relabel: true });
    expect(Array.from(subset.labels)).toEqual([1, 0, 0, 1]);
    expect(subset.numClasses).toBe(2);
    expect(subset.classNames).toEqual(['c', 'b']);
  });

  it('rejects unknown or repeated classes', () => {
    expect(() => selectClasses(dataset, [4])).toThrow(RangeError);
    expect(() => selectClasses(dataset, [1, 1])).toThrow(RangeError);
  });
});
