import { InvalidArgumentError } from '@core/runtime';
import type { RandomSource } from '@core/datasets';

/** Options of {@link sampleClassBalancedBatches}. */
export interface ClassBalancedBatchesOptions {
  /** Images per batch. */
  batchSize: number;
  /** Images drawn from each class (`K`); a class with fewer images gives all of them. */
  imagesPerClass: number;
  /** Number of batches to draw. */
  batches: number;
  /** Source of the class order and the image choice. */
  random: RandomSource;
}

function randomIndex(random: RandomSource, bound: number): number {
  return Math.min(bound - 1, Math.floor(random.next() * bound));
}

/**
 * Draws class-balanced batches for metric learning, as the `NPairs` batch sampler of the RKD reference
 * (`metric/batchsampler.py`): for each batch the classes are shuffled, then `imagesPerClass` distinct
 * random images of each class in turn are added until the batch is full, and the batch is cut to
 * `batchSize`. So a batch holds about `batchSize / imagesPerClass` classes, each with several images,
 * which the triplet and relational losses need. Batches are drawn independently of each other.
 *
 * @param labels - Class label of every image of the data set.
 * @param options - Batch size, images per class, number of batches and random source.
 * @returns One index array per batch, each of length `min(batchSize, images available)`.
 * @throws InvalidArgumentError for non-positive sizes or an empty data set.
 */
export function sampleClassBalancedBatches(labels: Int32Array, options: ClassBalancedBatchesOptions): Int32Array[] {
  const { batchSize, imagesPerClass, batches, random } = options;
  for (const [argument, value] of [
    ['batchSize', batchSize],
    ['imagesPerClass', imagesPerClass],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(argument, `sampleClassBalancedBatches: ${argument} must be a positive integer, got ${value}.`);
  }
  if (labels.length === 0) throw new InvalidArgumentError('labels', 'sampleClassBalancedBatches: the data set has no images.');
  const byClass = new Map<number, number[]>();
  labels.forEach((label, index) => {
    const members = byClass.get(label);
    if (members === undefined) byClass.set(label, [index]);
    else members.push(index);
  });
  const classes = [...byClass.keys()].sort((left, right) => left - right);
  const result: Int32Array[] = [];
  for (let batch = 0; batch < batches; batch += 1) {
    const order = [...classes];
    for (let index = order.length - 1; index > 0; index -= 1) {
      const other = randomIndex(random, index + 1);
      [order[index], order[other]] = [order[other], order[index]];
    }
    const chosen: number[] = [];
    for (const label of order) {
      const members = [...byClass.get(label)!];
      const take = Math.min(imagesPerClass, members.length);
      // Partial Fisher–Yates: the first `take` positions become a uniform sample without replacement.
      for (let position = 0; position < take; position += 1) {
        const other = position + randomIndex(random, members.length - position);
        [members[position], members[other]] = [members[other], members[position]];
        chosen.push(members[position]);
      }
      if (chosen.length >= batchSize) break;
    }
    result.push(Int32Array.from(chosen.slice(0, batchSize)));
  }
  return result;
}
