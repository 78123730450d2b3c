import { DataArgumentError } from './data-errors';
import { imageSize, type ArrayDataset } from './array-dataset';
import { normalize } from './normalize';
import type { RandomSource } from './random-source';
import { randomCrop } from './random-crop';
import { randomFlip } from './random-flip';
import { shuffledIndices } from './shuffled-indices';

/** One mini-batch, ready to become tensors: `images` NHWC, `labels` one class index per image. */
export interface Batch {
  /** `size * height * width * channels` values, NHWC. */
  images: Float32Array;
  /** `size` class indices. */
  labels: Int32Array;
  /** `size · numClasses` soft targets, when the data set carries them. */
  targets?: Float32Array;
  /** Number of images in this batch (the last one may be smaller unless `dropLast`). */
  size: number;
  /** `[size, height, width, channels]`. */
  shape: [number, number, number, number];
}

/** Options of {@link createBatches}. */
export interface CreateBatchesOptions {
  /** Images per batch. */
  batchSize: number;
  /** Visit the images in a random order drawn from `random`; default `false` (data set order). */
  shuffle?: boolean;
  /** Source of the shuffle and the augmentation draws; required when either is used. */
  random?: RandomSource;
  /** Leave out the last batch when it has fewer than `batchSize` images; default `false`. */
  dropLast?: boolean;
  /** Augmentation applied per batch: `crop` pixels of zero padding for {@link randomCrop}, `flip` for {@link randomFlip}. */
  augment?: { crop?: number; flip?: boolean };
  /** Per-channel constants applied last, after augmentation (see {@link normalize}). */
  normalize?: { mean: readonly number[]; std: readonly number[] };
}

/**
 * Number of batches {@link createBatches} makes from `count` images: `ceil(count / batchSize)`,
 * or `floor(count / batchSize)` with `dropLast`.
 */
export function batchCount(count: number, batchSize: number, dropLast: boolean): number {
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new DataArgumentError('batchSize', `batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(count) || count < 0) throw new DataArgumentError('count', `count must be a non-negative integer, got ${count}`);
  return dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}

/**
 * Cuts `dataset` into mini-batches for one epoch, as a materialised list, so each batch is turned
 * into a tensor once. Steps, in this order: shuffle the image order (one Fisher–Yates pass, see
 * {@link shuffledIndices}); then for each batch, gather its images, crop (two draws per image),
 * flip (one draw per image), normalise. The draws of `random` happen in exactly this order, so
 * the same source state gives the same batches.
 *
 * @throws RangeError for a non-positive `batchSize`; TypeError when `shuffle` or `augment` is used without `random`.
 */
export function createBatches(dataset: ArrayDataset, options: CreateBatchesOptions): Batch[] {
  const { batchSize, random } = options;
  const crop = options.augment?.crop ?? 0;
  const flip = options.augment?.flip ?? false;
  const total = batchCount(dataset.count, batchSize, options.dropLast ?? false);
  if (random === undefined && (options.shuffle === true || crop > 0 || flip)) {
    throw new DataArgumentError('random', 'createBatches: shuffle and augment need a random source (options.random)');
  }
  const order = options.shuffle === true ? shuffledIndices(dataset.count, random!) : undefined;
  const [height, width, channels] = dataset.shape;
  const size = imageSize(dataset.shape);
  const batches: Batch[] = [];
  for (let batchIndex = 0; batchIndex < total; batchIndex += 1) {
    const start = batchIndex * batchSize;
    const count = Math.min(batchSize, dataset.count - start);
    const shape: [number, number, number, number] = [count, height, width, channels];
    let images: Float32Array;
    let labels: Int32Array;
    let targets: Float32Array | undefined;
    const classes = dataset.numClasses;
    if (order === undefined) {
      // Consecutive images are one contiguous range: copy it in one go.
      images = dataset.images.slice(start * size, (start + count) * size);
      labels = dataset.labels.slice(start, start + count);
      targets = dataset.targets?.slice(start * classes, (start + count) * classes);
    } else {
      images = new Float32Array(count * size);
      labels = new Int32Array(count);
      targets = dataset.targets === undefined ? undefined : new Float32Array(count * classes);
      for (let position = 0; position < count; position += 1) {
        const source = order[start + position];
        images.set(dataset.images.subarray(source * size, (source + 1) * size), position * size);
        labels[position] = dataset.labels[source];
        targets?.set(dataset.targets!.subarray(source * classes, (source + 1) * classes), position * classes);
      }
    }
    if (crop > 0) images = randomCrop(images, shape, crop, random!);
    if (flip) images = randomFlip(images, shape, random!);
    if (options.normalize !== undefined) images = normalize(images, channels, options.normalize.mean, options.normalize.std);
    batches.push({ images, labels, ...(targets === undefined ? {} : { targets }), size: count, shape });
  }
  return batches;
}
