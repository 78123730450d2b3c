import { describe, expect, it } from 'vitest';
import { createLcg } from './__fixtures__/random-sources';
import { createArrayDataset } from './array-dataset';
import { batchCount, createBatches } from './batches';
import { createSyntheticDataset } from './synthetic';

// Ten 1×1×1 images, image i holding i / 10 and label i % 3.
const tiny = createArrayDataset({
  name: 'tiny',
  images: Float32Array.from({ length: 10 }, (_, index) => index / 10),
  labels: Int32Array.from({ length: 10 }, (_, index) => index % 3),
  shape: [1, 1, 1],
  numClasses: 3,
});

describe('batchCount', () => {
  it('rounds up, or down with dropLast', () => {
    expect(batchCount(10, 4, false)).toBe(3);
    expect(batchCount(10, 4, true)).toBe(2);
    expect(batchCount(8, 4, false)).toBe(2);
    expect(batchCount(0, 4, false)).toBe(0);
    expect(() => batchCount(10, 0, false)).toThrow(RangeError);
  });
});

describe('createBatches', () => {
  it('cuts the data set in order without shuffling, the last batch smaller', () => {
    const batches = createBatches(tiny, { batchSize: 4 });
    expect(batches.map((batch) => batch.size)).toEqual([4, 4, 2]);
    expect(batches[2].shape).toEqual([2, 1, 1, 1]);
    expect(Array.from(batches[1].labels)).toEqual([1, 2, 0, 1]);
    expect(Array.from(batches[2].images)).toEqual([Math.fround(0.8), Math.fround(0.9)]);
    expect(createBatches(tiny, { batchSize: 4, dropLast: true })).toHaveLength(2);
  });

  it('shuffles into a permutation that keeps images and labels paired', () => {
    const batches = createBatches(tiny, { batchSize: 3, shuffle: true, random: createLcg(4) });
    const images = batches.flatMap((batch) => Array.from(batch.images));
    const labels = batches.flatMap((batch) => Array.from(batch.labels));
    expect([...images].sort((left, right) => left - right)).toEqual(Array.from(tiny.images));
    images.forEach((value, position) => expect(labels[position]).toBe(Math.round(value * 10) % 3));
    expect(images).not.toEqual(Array.from(tiny.images));
  });

  it('gives identical batches for identical source states, with augmentation and normalisation', () => {
    const dataset = createSyntheticDataset({ count: 50, shape: [6, 6, 3], numClasses: 5, seed: 1 });
    const options = {
      batchSize: 16,
      shuffle: true,
      augment: { crop: 2, flip: true },
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    };
    const first = createBatches(dataset, { ...options, random: createLcg(42) });
    const second = createBatches(dataset, { ...options, random: createLcg(42) });
    const other = createBatches(dataset, { ...options, random: createLcg(43) });
    expect(first).toHaveLength(4);
    expect(second).toEqual(first);
    expect(other.map((batch) => batch.images)).not.toEqual(first.map((batch) => batch.images));
    expect(first[0].shape).toEqual([16, 6, 6, 3]);
    // Normalised zero padding shows up as (0 - 0.5) / 0.25 = -2.
    expect(first.some((batch) => batch.images.includes(-2))).toBe(true);
  });

  it('needs a random source to shuffle or augment', () => {
    expect(() => createBatches(tiny, { batchSize: 2, shuffle: true })).toThrow(RangeError);
    expect(() => createBatches(tiny, { batchSize: 2, augment: { flip: true } })).toThrow(RangeError);
  });
});
