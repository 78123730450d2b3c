import { describe, expect, it } from 'vitest';
import { createLcg } from './__fixtures__/random-sources';
import { createArrayDataset } from './array-dataset';
import { describeDataset } from './describe-dataset';
import { validationSplit } from './validation-split';

// 60 images: 30 of class 0, 20 of class 1, 10 of class 2; image i holds the value i.
const labels = Int32Array.from({ length: 60 }, (_, index) => (index % 6 < 3 ? 0 : index % 6 < 5 ? 1 : 2));
const dataset = createArrayDataset({
  name: 'tiny',
  images: Float32Array.from({ length: 60 }, (_, index) => index),
  labels,
  shape: [1, 1, 1],
  numClasses: 3,
});

describe('validationSplit', () => {
  it('holds out a stratified fraction and partitions the images', () => {
    const { train, validation } = validationSplit(dataset, 0.2, createLcg(1));
    expect(describeDataset(validation).classCounts).toEqual([6, 4, 2]);
    expect(describeDataset(train).classCounts).toEqual([24, 16, 8]);
    const all = [...train.images, ...validation.images].sort((left, right) => left - right);
    expect(all).toEqual(Array.from({ length: 60 }, (_, index) => index));
    // Both parts keep the original order.
    expect([...validation.images]).toEqual([...validation.images].sort((left, right) => left - right));
    for (let index = 0; index < validation.count; index += 1) expect(validation.labels[index]).toBe(labels[validation.images[index]]);
  });

  it('is deterministic for a source state and varies with it', () => {
    const first = validationSplit(dataset, 0.2, createLcg(1)).validation.images;
    expect(validationSplit(dataset, 0.2, createLcg(1)).validation.images).toEqual(first);
    expect(validationSplit(dataset, 0.2, createLcg(2)).validation.images).not.toEqual(first);
  });

  it('accepts 0 and rejects fractions outside [0, 1)', () => {
    expect(validationSplit(dataset, 0, createLcg(1)).validation.count).toBe(0);
    expect(() => validationSplit(dataset, 1, createLcg(1))).toThrow(RangeError);
    expect(() => validationSplit(dataset, -0.1, createLcg(1))).toThrow(RangeError);
  });
});
