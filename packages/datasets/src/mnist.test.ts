import { describe, expect, it } from 'vitest';
import { describeDataset } from './describe-dataset';
import { loadMnist, mnistClassNames } from './mnist';
import { take } from './take';

describe('loadMnist', () => {
  it('splits the 10,000 digits 8,500 / 1,500, stratified by digit', async () => {
    const { train, test } = await loadMnist();
    expect(train.count).toBe(8500);
    expect(test.count).toBe(1500);
    for (const split of [train, test]) {
      expect(split.name).toBe('mnist');
      expect(split.shape).toEqual([28, 28, 1]);
      expect(split.numClasses).toBe(10);
      expect(split.classNames).toEqual(mnistClassNames);
      expect(split.images.length).toBe(split.count * 784);
    }
    expect(describeDataset(train).classCounts).toEqual([851, 958, 842, 877, 833, 734, 862, 910, 802, 831]);
    expect(describeDataset(test).classCounts).toEqual([150, 169, 149, 155, 147, 129, 152, 160, 142, 147]);
  });

  it('keeps pixel values in [0, 1] with real ink in every image', async () => {
    const { test } = await loadMnist();
    let minimum = Infinity;
    let maximum = -Infinity;
    for (const value of test.images) {
      minimum = Math.min(minimum, value);
      maximum = Math.max(maximum, value);
    }
    expect(minimum).toBe(0);
    expect(maximum).toBe(1);
    for (let image = 0; image < test.count; image += 1) {
      const pixels = test.images.subarray(image * 784, (image + 1) * 784);
      const ink = pixels.reduce((sum, value) => sum + value, 0);
      expect(ink).toBeGreaterThan(10);
    }
  });

  it('interleaves digits, so the first ten images are one of each', async () => {
    const { train } = await loadMnist();
    expect(Array.from(train.labels.subarray(0, 20))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('limits to the same images as take() on the full split', async () => {
    const full = await loadMnist();
    const limited = await loadMnist({ limit: { train: 123, test: 40 } });
    expect(limited.train.count).toBe(123);
    expect(limited.test.count).toBe(40);
    const expectedTrain = take(full.train, 123);
    expect(limited.train.labels).toEqual(expectedTrain.labels);
    expect(limited.train.images).toEqual(expectedTrain.images);
    expect(limited.test.images).toEqual(take(full.test, 40).images);
  });

  it('returns fresh arrays: changing one result does not change the next', async () => {
    const first = await loadMnist({ limit: { train: 10, test: 10 } });
    const before = first.train.images[200];
    first.train.images.fill(-1);
    const second = await loadMnist({ limit: { train: 10, test: 10 } });
    expect(second.train.images[200]).toBe(before);
  });

  it('rejects a negative limit', async () => {
    await expect(loadMnist({ limit: { train: -1 } })).rejects.toThrow(RangeError);
  });
});
