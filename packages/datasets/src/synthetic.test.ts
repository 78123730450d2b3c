import { describe, expect, it } from 'vitest';
import { describeDataset } from './describe-dataset';
import { createSyntheticDataset, createSyntheticSplits } from './synthetic';

const options = { count: 200, shape: [8, 8, 3] as [number, number, number], numClasses: 4, seed: 7 };

describe('createSyntheticDataset', () => {
  it('makes balanced, cycling labels and values in [0, 1]', () => {
    const dataset = createSyntheticDataset(options);
    expect(dataset.count).toBe(200);
    expect(dataset.name).toBe('synthetic');
    expect(dataset.images.length).toBe(200 * 8 * 8 * 3);
    expect(Array.from(dataset.labels.subarray(0, 6))).toEqual([0, 1, 2, 3, 0, 1]);
    expect(describeDataset(dataset).classCounts).toEqual([50, 50, 50, 50]);
    expect(dataset.images.every((value) => value >= 0 && value <= 1)).toBe(true);
  });

  it('is deterministic per seed and differs across seeds', () => {
    expect(createSyntheticDataset(options).images).toEqual(createSyntheticDataset(options).images);
    expect(createSyntheticDataset({ ...options, seed: 8 }).images).not.toEqual(createSyntheticDataset(options).images);
  });

  it('gives exact prototypes without noise', () => {
    const dataset = createSyntheticDataset({ ...options, noise: 0 });
    const size = 8 * 8 * 3;
    expect(dataset.images.subarray(0, size)).toEqual(dataset.images.subarray(4 * size, 5 * size));
    expect(dataset.images.subarray(0, size)).not.toEqual(dataset.images.subarray(size, 2 * size));
  });

  it('rejects invalid options', () => {
    expect(() => createSyntheticDataset({ ...options, numClasses: 0 })).toThrow(RangeError);
    expect(() => createSyntheticDataset({ ...options, shape: [8, 0, 3] })).toThrow(RangeError);
    expect(() => createSyntheticDataset({ ...options, noise: -1 })).toThrow(RangeError);
  });
});

describe('createSyntheticSplits', () => {
  it('shares prototypes between train and test, so a nearest-class-mean classifier generalises', () => {
    const { train, test } = createSyntheticSplits({ ...options, count: 400, testCount: 100, numClasses: 10, noise: 0.3 });
    expect(train.images).toEqual(createSyntheticDataset({ ...options, count: 400, numClasses: 10, noise: 0.3 }).images);
    expect(test.count).toBe(100);
    const size = 8 * 8 * 3;
    const means = Array.from({ length: 10 }, () => new Float64Array(size));
    for (let image = 0; image < train.count; image += 1) {
      for (let pixel = 0; pixel < size; pixel += 1) means[train.labels[image]][pixel] += train.images[image * size + pixel] / 40;
    }
    let correct = 0;
    for (let image = 0; image < test.count; image += 1) {
      let best = -1;
      let bestDistance = Infinity;
      means.forEach((mean, label) => {
        let distance = 0;
        for (let pixel = 0; pixel < size; pixel += 1) distance += (test.images[image * size + pixel] - mean[pixel]) ** 2;
        if (distance < bestDistance) {
          bestDistance = distance;
          best = label;
        }
      });
      if (best === test.labels[image]) correct += 1;
    }
    expect(correct / test.count).toBeGreaterThan(0.95);
  });
});
