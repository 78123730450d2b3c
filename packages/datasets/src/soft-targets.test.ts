import { describe, expect, it } from 'vitest';
import { createArrayDataset, gatherSamples } from './array-dataset';
import { createBatches } from './batches';
import { DataArgumentError } from './data-errors';
import { createSeededRandom } from './seeded-random';
import { selectClasses } from './select-classes';
import { take } from './take';
import { validationSplit } from './validation-split';

// Four 1×1×1 images of three classes, with soft targets (a teacher's probabilities) per image.
const dataset = createArrayDataset({
  name: 'soft',
  images: Float32Array.from([0, 1, 2, 3]),
  labels: Int32Array.from([0, 1, 2, 1]),
  shape: [1, 1, 1],
  numClasses: 3,
  targets: Float32Array.from([0.8, 0.1, 0.1, 0.2, 0.7, 0.1, 0.1, 0.1, 0.8, 0.3, 0.6, 0.1]),
});
const rowOf = (targets: Float32Array | undefined, image: number) => Array.from(targets!.subarray(image * 3, image * 3 + 3));

describe('soft targets', () => {
  it('travel with their images through gathering, batching, splitting and subsets', () => {
    const gathered = gatherSamples(dataset, [3, 0]);
    expect(Array.from(gathered.images)).toEqual([3, 0]);
    expect(rowOf(gathered.targets, 0)).toEqual(rowOf(dataset.targets, 3));
    expect(rowOf(gathered.targets, 1)).toEqual(rowOf(dataset.targets, 0));

    const batches = createBatches(dataset, { batchSize: 2, shuffle: true, random: createSeededRandom(3) });
    for (const batch of batches) {
      batch.images.forEach((image, position) => expect(rowOf(batch.targets, position)).toEqual(rowOf(dataset.targets, image)));
    }
    expect(take(dataset, 3).targets).toHaveLength(9);
    const { train, validation } = validationSplit(dataset, 0.5, createSeededRandom(1));
    for (const part of [train, validation]) part.images.forEach((image, position) => expect(rowOf(part.targets, position)).toEqual(rowOf(dataset.targets, image)));
  });

  it('keep the kept classes columns, renormalised, when a subset is relabelled', () => {
    const subset = selectClasses(dataset, [1, 2], { relabel: true });
    expect(Array.from(subset.labels)).toEqual([0, 1, 0]);
    const rows = [0, 1, 2].map((image) => Array.from(subset.targets!.subarray(image * 2, image * 2 + 2)));
    rows.forEach((row) => expect(row[0] + row[1]).toBeCloseTo(1, 6));
    expect(rows[0][0]).toBeCloseTo(0.7 / 0.8, 6);
    // Without relabelling the classes stay those of the full data set: three images of classes 0 and 1, three columns.
    expect(selectClasses(dataset, [0, 1]).targets).toHaveLength(3 * 3);
  });

  it('must have one row per example', () => {
    let error: unknown;
    try {
      createArrayDataset({ name: 'bad', images: new Float32Array(2), labels: Int32Array.from([0, 1]), shape: [1, 1, 1], numClasses: 2, targets: new Float32Array(3) });
    } catch (caught) {
      error = caught;
    }
    expect(DataArgumentError.isInstance(error)).toBe(true);
    expect((error as DataArgumentError).code).toBe('E_INVALID_ARGUMENT');
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/targets holds 3 values, but 2 examples of 2 classes need 4/);
    // The runtime's markers: CoreError.isInstance and InvalidArgumentError.isInstance recognise it.
    expect((error as Record<symbol, unknown>)[Symbol.for('core.error')]).toBe(true);
    expect((error as Record<symbol, unknown>)[Symbol.for('core.error.InvalidArgumentError')]).toBe(true);
  });
});
