import { describe, expect, it } from 'vitest';
import { createArrayDataset } from './array-dataset';

describe('createArrayDataset', () => {
  it('derives count and keeps the arrays', () => {
    const images = new Float32Array(2 * 2 * 2 * 1);
    const dataset = createArrayDataset({ name: 'tiny', images, labels: Int32Array.from([0, 1]), shape: [2, 2, 1], numClasses: 2 });
    expect(dataset.count).toBe(2);
    expect(dataset.images).toBe(images);
    expect(dataset.classNames).toBeUndefined();
  });

  it('rejects inconsistent fields', () => {
    const fields = { name: 'tiny', images: new Float32Array(8), labels: Int32Array.from([0, 1]), shape: [2, 2, 1] as const, numClasses: 2 };
    expect(() => createArrayDataset({ ...fields, images: new Float32Array(7) })).toThrow(RangeError);
    expect(() => createArrayDataset({ ...fields, labels: Int32Array.from([0, 2]) })).toThrow(RangeError);
    expect(() => createArrayDataset({ ...fields, shape: [2, 0, 1] })).toThrow(RangeError);
    expect(() => createArrayDataset({ ...fields, classNames: ['only one'] })).toThrow(RangeError);
  });
});
