import { describe, expect, it } from 'vitest';
import { describeDataset } from './describe-dataset';
import { fashionMnistClassNames, loadFashionMnist } from './fashion-mnist';

describe('loadFashionMnist', () => {
  it('takes a stratified prefix of each split with limit', async () => {
    const { train, test } = await loadFashionMnist({ limit: { train: 1000, test: 500 } });
    expect(train.count).toBe(1000);
    expect(test.count).toBe(500);
    expect(describeDataset(train).classCounts).toEqual(new Array(10).fill(100));
    expect(describeDataset(test).classCounts).toEqual(new Array(10).fill(50));
    expect(train.name).toBe('fashion-mnist');
    expect(train.shape).toEqual([28, 28, 1]);
    expect(train.classNames).toEqual(fashionMnistClassNames);
    // Stored as 0–255 integers: every value is a multiple of 1/255 within [0, 1].
    let maximum = 0;
    let offGrid = 0;
    for (const value of train.images) {
      maximum = Math.max(maximum, value);
      if (!(value >= 0 && value <= 1) || Math.abs(value * 255 - Math.round(value * 255)) > 1e-4) offGrid += 1;
    }
    expect(offGrid).toBe(0);
    expect(maximum).toBe(1);
  });

  it('splits the 70,000 images 60,000 / 10,000, 6,000 and 1,000 per class, the test images following the train ones', async () => {
    const { train, test } = await loadFashionMnist();
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    expect(describeDataset(train).classCounts).toEqual(new Array(10).fill(6000));
    expect(describeDataset(test).classCounts).toEqual(new Array(10).fill(1000));
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // No test image repeats the train image stored just before it in the same class file.
    const lastTrainOfClass0 = train.images.subarray((60000 - 10) * 784, (60000 - 9) * 784);
    const firstTestOfClass0 = test.images.subarray(0, 784);
    expect(firstTestOfClass0).not.toEqual(lastTrainOfClass0);
    const limited = await loadFashionMnist({ limit: { test: 20 } });
    expect(limited.test.images).toEqual(test.images.subarray(0, 20 * 784));
    expect(limited.train.count).toBe(60000);
  });
});
