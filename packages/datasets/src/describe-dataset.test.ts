import { describe, expect, it } from 'vitest';
import { createArrayDataset } from './array-dataset';
import { describeDataset } from './describe-dataset';

describe('describeDataset', () => {
  it('summarises name, size, shape and per-class counts', () => {
    const dataset = createArrayDataset({
      name: 'tiny',
      images: new Float32Array(4 * 2 * 2 * 3),
      labels: Int32Array.from([2, 0, 2, 2]),
      shape: [2, 2, 3],
      numClasses: 4,
    });
    expect(describeDataset(dataset)).toEqual({ name: 'tiny', count: 4, shape: [2, 2, 3], numClasses: 4, classCounts: [1, 0, 3, 0] });
  });
});
