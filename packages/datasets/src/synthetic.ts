import { DataArgumentError } from './data-errors';
import type { ArrayDataset, DatasetSplits } from './array-dataset';
import { createSeededRandom, type SeededRandom } from './seeded-random';

/** Options of {@link createSyntheticDataset}. */
export interface SyntheticDatasetOptions {
  /** Number of images. */
  count: number;
  /** `[height, width, channels]` of each image. */
  shape: readonly [number, number, number];
  /** Number of classes; images are assigned labels `0, 1, …, numClasses - 1, 0, 1, …`. */
  numClasses: number;
  /** Seed of the class prototypes and the noise; the same seed gives the same data. */
  seed: number;
  /** Standard deviation of the Gaussian pixel noise around each class prototype; default 0.15. */
  noise?: number;
  /** Data set name; default `synthetic`. */
  name?: string;
}

/** Options of {@link createSyntheticSplits}: those of {@link createSyntheticDataset} plus `testCount`. */
export interface SyntheticSplitsOptions extends SyntheticDatasetOptions {
  /** Number of test images. */
  testCount: number;
}

const defaultNoise = 0.15;
/** Side of the coarse random grid each prototype is upsampled from: smooth, image-like patterns. */
const gridSide = 4;

function checkOptions(options: SyntheticDatasetOptions): void {
  for (const size of options.shape) {
    if (!Number.isInteger(size) || size <= 0) throw new DataArgumentError('shape', `shape must be three positive integers, got [${options.shape.join(', ')}]`);
  }
  if (!Number.isInteger(options.count) || options.count < 0) throw new DataArgumentError('count', `count must be a non-negative integer, got ${options.count}`);
  if (!Number.isInteger(options.numClasses) || options.numClasses <= 0) {
    throw new DataArgumentError('numClasses', `numClasses must be a positive integer, got ${options.numClasses}`);
  }
  const noise = options.noise ?? defaultNoise;
  if (!(noise >= 0)) throw new DataArgumentError('noise', `noise must be a non-negative number, got ${noise}`);
}

/**
 * One prototype per class: per channel, a `gridSide`×`gridSide` grid of uniform values in [0, 1]
 * upsampled bilinearly to the image size, so neighbouring pixels correlate as in real images and
 * convolutions have something to find.
 */
function createPrototypes(shape: readonly [number, number, number], numClasses: number, random: SeededRandom): Float32Array[] {
  const [height, width, channels] = shape;
  const gridHeight = Math.min(gridSide, height);
  const gridWidth = Math.min(gridSide, width);
  const prototypes: Float32Array[] = [];
  for (let label = 0; label < numClasses; label += 1) {
    const grid = Float64Array.from({ length: gridHeight * gridWidth * channels }, () => random.next());
    const prototype = new Float32Array(height * width * channels);
    for (let row = 0; row < height; row += 1) {
      const gridRow = height === 1 ? 0 : (row * (gridHeight - 1)) / (height - 1);
      const top = Math.floor(gridRow);
      const bottom = Math.min(top + 1, gridHeight - 1);
      const rowWeight = gridRow - top;
      for (let column = 0; column < width; column += 1) {
        const gridColumn = width === 1 ? 0 : (column * (gridWidth - 1)) / (width - 1);
        const left = Math.floor(gridColumn);
        const right = Math.min(left + 1, gridWidth - 1);
        const columnWeight = gridColumn - left;
        for (let channel = 0; channel < channels; channel += 1) {
          const at = (gridRowIndex: number, gridColumnIndex: number): number => grid[(gridRowIndex * gridWidth + gridColumnIndex) * channels + channel];
          const upper = at(top, left) * (1 - columnWeight) + at(top, right) * columnWeight;
          const lower = at(bottom, left) * (1 - columnWeight) + at(bottom, right) * columnWeight;
          prototype[(row * width + column) * channels + channel] = upper * (1 - rowWeight) + lower * rowWeight;
        }
      }
    }
    prototypes.push(prototype);
  }
  return prototypes;
}

function sample(options: SyntheticDatasetOptions, count: number, prototypes: readonly Float32Array[], random: SeededRandom): ArrayDataset {
  const size = options.shape[0] * options.shape[1] * options.shape[2];
  const noise = options.noise ?? defaultNoise;
  const images = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let index = 0; index < count; index += 1) {
    const label = index % options.numClasses;
    labels[index] = label;
    const prototype = prototypes[label];
    const offset = index * size;
    for (let pixel = 0; pixel < size; pixel += 1) {
      const value = prototype[pixel] + noise * random.normal();
      images[offset + pixel] = value < 0 ? 0 : value > 1 ? 1 : value;
    }
  }
  return {
    name: options.name ?? 'synthetic',
    images,
    labels,
    shape: [options.shape[0], options.shape[1], options.shape[2]],
    numClasses: options.numClasses,
    count,
  };
}

/**
 * A learnable synthetic image classification set for tests and smoke runs: each class has a fixed
 * random smooth prototype image, and each image is its class prototype plus Gaussian noise of
 * standard deviation `noise`, clipped to [0, 1]. Labels cycle `0, 1, …, numClasses - 1`, so the
 * classes are balanced and any prefix is stratified. Deterministic for a given seed and options.
 *
 * @returns `count` images of `shape`, values in [0, 1].
 */
export function createSyntheticDataset(options: SyntheticDatasetOptions): ArrayDataset {
  checkOptions(options);
  const prototypes = createPrototypes(options.shape, options.numClasses, createSeededRandom(options.seed, 0));
  return sample(options, options.count, prototypes, createSeededRandom(options.seed, 1));
}

/**
 * Train and test splits of the synthetic set of {@link createSyntheticDataset}: both drawn around
 * the same class prototypes with independent noise. `train` equals
 * `createSyntheticDataset(options)`; `test` has `testCount` images.
 */
export function createSyntheticSplits(options: SyntheticSplitsOptions): DatasetSplits {
  checkOptions(options);
  if (!Number.isInteger(options.testCount) || options.testCount < 0) {
    throw new DataArgumentError('testCount', `testCount must be a non-negative integer, got ${options.testCount}`);
  }
  const prototypes = createPrototypes(options.shape, options.numClasses, createSeededRandom(options.seed, 0));
  return {
    train: sample(options, options.count, prototypes, createSeededRandom(options.seed, 1)),
    test: sample(options, options.testCount, prototypes, createSeededRandom(options.seed, 2)),
  };
}
