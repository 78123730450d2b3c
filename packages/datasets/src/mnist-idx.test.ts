import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError } from './data-errors';
import { readMnistIdx } from './mnist-idx';

function idxImages(images: number[][], height: number, width: number): Uint8Array {
  const bytes = new Uint8Array(16 + images.length * height * width);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000803);
  view.setUint32(4, images.length);
  view.setUint32(8, height);
  view.setUint32(12, width);
  images.forEach((image, index) => bytes.set(image, 16 + index * height * width));
  return bytes;
}

function idxLabels(labels: number[]): Uint8Array {
  const bytes = new Uint8Array(8 + labels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000801);
  view.setUint32(4, labels.length);
  bytes.set(labels, 8);
  return bytes;
}

// Two 2×3 train images and one test image; pixel values chosen to show the byte / 255 scaling.
const trainImages = [
  [0, 51, 102, 153, 204, 255],
  [255, 0, 0, 0, 0, 255],
];
const testImages = [[1, 2, 3, 4, 5, 6]];

let directory: string;

async function writeSet(options: { gzip?: boolean; skip?: string; names?: Record<string, string> } = {}): Promise<void> {
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': idxImages(trainImages, 2, 3),
    'train-labels-idx1-ubyte': idxLabels([3, 7]),
    't10k-images-idx3-ubyte': idxImages(testImages, 2, 3),
    't10k-labels-idx1-ubyte': idxLabels([9]),
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (name === options.skip) continue;
    const fileName = options.names?.[name] ?? name;
    await writeFile(path.join(directory, options.gzip ? `${fileName}.gz` : fileName), options.gzip ? gzipSync(bytes) : bytes);
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
  directory = await mkdtemp(path.join(tmpdir(), 'core-datasets-idx-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('readMnistIdx', () => {
  it('reads raw IDX files: shapes, labels, pixels divided by 255, file order kept', async () => {
    await writeSet();
    const { train, test } = await readMnistIdx(directory);
    expect(train.name).toBe('mnist');
    expect(train.count).toBe(2);
    expect(train.shape).toEqual([2, 3, 1]);
    expect(train.numClasses).toBe(10);
    expect(Array.from(train.labels)).toEqual([3, 7]);
    expect(Array.from(train.images.subarray(0, 6))).toEqual(trainImages[0].map((value) => Math.fround(value / 255)));
    expect(train.images[6]).toBe(1);
    expect(test.count).toBe(1);
    expect(Array.from(test.labels)).toEqual([9]);
  });

  it('reads gzipped files and takes the name option', async () => {
    await writeSet({ gzip: true });
    const { train, test } = await readMnistIdx(directory, { name: 'fashion-mnist' });
    expect(train.name).toBe('fashion-mnist');
    expect(Array.from(train.labels)).toEqual([3, 7]);
    expect(test.images[0]).toBe(Math.fround(1 / 255));
  });

  it('accepts the dotted file names some mirrors use', async () => {
    await writeSet({ names: { 'train-images-idx3-ubyte': 'train-images.idx3-ubyte' } });
    expect((await readMnistIdx(directory)).train.count).toBe(2);
  });

  it('names the missing file and where to get the data', async () => {
    await writeSet({ skip: 't10k-labels-idx1-ubyte' });
    const error = await expectRejection(readMnistIdx(directory));
    expect(DataNotFoundError.isInstance(error)).toBe(true);
    expect((error as DataNotFoundError).path).toBe(path.join(directory, 't10k-labels-idx1-ubyte'));
    expect(error.message).toContain('t10k-labels-idx1-ubyte');
    expect(error.message).toContain('train-images-idx3-ubyte');
    expect(error.message).toContain('yann.lecun.com/exdb/mnist');
  });

  it('reports a missing directory as missing data', async () => {
    const error = await expectRejection(readMnistIdx(path.join(directory, 'absent')));
    expect(DataNotFoundError.isInstance(error)).toBe(true);
  });

  it('rejects a truncated image file', async () => {
    await writeSet();
    const full = idxImages(trainImages, 2, 3);
    await writeFile(path.join(directory, 'train-images-idx3-ubyte'), full.subarray(0, full.length - 1));
    const error = await expectRejection(readMnistIdx(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
    expect((error as DataFormatError).path).toBe(path.join(directory, 'train-images-idx3-ubyte'));
    expect(error.message).toContain('truncated');
  });

  it('rejects a truncated gzip stream', async () => {
    await writeSet({ gzip: true });
    const compressed = gzipSync(idxLabels([3, 7]));
    await writeFile(path.join(directory, 'train-labels-idx1-ubyte.gz'), compressed.subarray(0, compressed.length - 6));
    const error = await expectRejection(readMnistIdx(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
  });

  it('rejects a wrong magic number, such as labels where images belong', async () => {
    await writeSet();
    await writeFile(path.join(directory, 't10k-images-idx3-ubyte'), idxLabels([1]));
    const error = await expectRejection(readMnistIdx(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
    expect(error.message).toContain('magic number 0x00000801');
  });

  it('rejects a file too short to hold a header', async () => {
    await writeSet();
    await writeFile(path.join(directory, 'train-labels-idx1-ubyte'), new Uint8Array([0, 0]));
    const error = await expectRejection(readMnistIdx(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
    expect(error.message).toContain('truncated IDX header');
  });

  it('rejects label and image counts that disagree', async () => {
    await writeSet();
    await writeFile(path.join(directory, 'train-labels-idx1-ubyte'), idxLabels([3]));
    const error = await expectRejection(readMnistIdx(directory));
    expect(DataFormatError.isInstance(error)).toBe(true);
    expect(error.message).toContain('1 labels but');
  });

  it('rejects labels outside numClasses', async () => {
    await writeSet();
    const error = await expectRejection(readMnistIdx(directory, { numClasses: 5 }));
    expect(DataFormatError.isInstance(error)).toBe(true);
  });
});
