import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cifar10ClassNames, readCifar10 } from './cifar10';
import { DataFormatError, DataNotFoundError } from './data-errors';

const planeSize = 32 * 32;
const recordSize = 1 + 3 * planeSize;

/** Channel value of a test pixel: distinct per record, channel and position, and below 256. */
function pixelValue(record: number, channel: number, pixel: number): number {
  return (record * 37 + channel * 80 + pixel) % 256;
}

/** `labels.length` records whose CHW planes hold {@link pixelValue}, record numbers from `first`. */
function batch(labels: number[], first = 0): Uint8Array {
  const bytes = new Uint8Array(labels.length * recordSize);
  labels.forEach((label, index) => {
    const offset = index * recordSize;
    bytes[offset] = label;
    for (let channel = 0; channel < 3; channel += 1) {
      for (let pixel = 0; pixel < planeSize; pixel += 1) {
        bytes[offset + 1 + channel * planeSize + pixel] = pixelValue(first + index, channel, pixel);
      }
    }
  });
  return bytes;
}

let directory: string;

async function writeBatches(target: string, options: { skip?: string } = {}): Promise<void> {
  await mkdir(target, { recursive: true });
  // Three records in data_batch_1, none elsewhere would be invalid, so each train file gets one.
  const files: Record<string, Uint8Array> = {
    'data_batch_1.bin': batch([6, 9, 0], 0),
    'data_batch_2.bin': batch([1], 3),
    'data_batch_3.bin': batch([2], 4),
    'data_batch_4.bin': batch([3], 5),
    'data_batch_5.bin': batch([4], 6),
    'test_batch.bin': batch([5, 7, 8], 7),
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (name !== options.skip) await writeFile(path.join(target, name), bytes);
  }
}

async function expectRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'core-datasets-cifar-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('readCifar10', () => {
  it('reads train batches 1–5 and the test batch in file order, converting CHW planes to HWC', async () => {
    await writeBatches(directory);
    const { train, test } = await readCifar10(directory);
    expect(train.count).toBe(7);
    expect(test.count).toBe(3);
    expect(train.shape).toEqual([32, 32, 3]);
    expect(Array.from(train.labels)).toEqual([6, 9, 0, 1, 2, 3, 4]);
    expect(Array.from(test.labels)).toEqual([5, 7, 8]);
    expect(train.classNames).toEqual(cifar10ClassNames);
    // Pixel (row 2, column 5) of record 1: HWC index (2 * 32 + 5) * 3 + channel.
    const pixel = 2 * 32 + 5;
    for (let channel = 0; channel < 3; channel += 1) {
      expect(train.images[1 * 3 * planeSize + pixel * 3 + channel]).toBe(Math.fround(pixelValue(1, channel, pixel) / 255));
      expect(test.images[2 * 3 * planeSize + pixel * 3 + channel]).toBe(Math.fround(pixelValue(9, channel, pixel) / 255));
    }
    // The whole first image, against a direct CHW -> HWC reference.
    const expected = new Float32Array(3 * planeSize);
    for (let channel = 0; channel < 3; channel += 1) {
      for (let index = 0; index < planeSize; index += 1) expected[index * 3 + channel] = pixelValue(0, channel, index) / 255;
    }
    expect(train.images.subarray(0, 3 * planeSize)).toEqual(expected);
  });

  it('finds the batches in the cifar-10-batches-bin folder the tarball extracts to, with batches.meta.txt names', async () => {
    const nested = path.join(directory, 'cifar-10-batches-bin');
    await writeBatches(nested);
    const names = cifar10ClassNames.map((name) => name.toUpperCase());
    await writeFile(path.join(nested, 'batches.meta.txt'), `${names.join('\n')}\n\n`);
    const { train } = await readCifar10(directory);
    expect(train.count).toBe(7);
    expect(train.classNames).toEqual(names);
  });

  it('names a missing batch and how to get the binary version', async () => {
    await writeBatches(directory, { skip: 'data_batch_3.bin' });
    const error = await expectRejection(readCifar10(directory));
    expect(DataNotFoundError.isInstance(error)).toBe(true);
    expect((error as DataNotFoundError).path).toBe(path.join(directory, 'data_batch_3.bin'));
    expect(error.message).toContain('cifar-10-binary.tar.gz');
    expect(error.message).toContain('CIFAR-10 binary version');
  });

  it('rejects a truncated batch', async () => {
    await writeBatches(directory);
    await writeFile(path.join(directory, 'test_batch.bin'), batch([1, 2]).subarray(0, recordSize + 100));
    const error = await expectRejection(readCifar10(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
    expect((error as DataFormatError).path).toBe(path.join(directory, 'test_batch.bin'));
  });

  it('rejects a label above 9', async () => {
    await writeBatches(directory);
    await writeFile(path.join(directory, 'data_batch_2.bin'), batch([10]));
    const error = await expectRejection(readCifar10(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
  });
});
