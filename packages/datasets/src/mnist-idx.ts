import { DataArgumentError } from './data-errors';
import type { ArrayDataset, DatasetSplits } from './array-dataset';
import { DataFormatError, DataNotFoundError } from './data-errors';
import path from 'node:path';
import { findDataFile, readDataFile } from './read-data-file';

/** Options of {@link readMnistIdx}. */
export interface ReadMnistIdxOptions {
  /** Name given to the data set, e.g. `fashion-mnist` or `kmnist`; default `mnist`. */
  name?: string;
  /** Number of classes; default the larger of 10 and the largest label + 1. */
  numClasses?: number;
  /** Class names by label; sets `numClasses` when that is not given. */
  classNames?: readonly string[];
}

const imageMagic = 0x00000803;
const labelMagic = 0x00000801;

/** The four files of an MNIST-format data set, with the alternative dotted spelling some mirrors use. */
const idxFiles = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
} as const;

function notFoundMessage(file: string, directory: string): string {
  return [
    `${file} not found (also looked for ${path.basename(file)}.gz) in ${directory}.`,
    'An MNIST-format directory needs four files, raw or gzipped:',
    '  train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte',
    'MNIST is published at https://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/);',
    'Fashion-MNIST at https://github.com/zalandoresearch/fashion-mnist (data/fashion in that repository).',
    'Download the four .gz files into one directory and pass that directory.',
  ].join('\n');
}

async function locate(directory: string, names: readonly string[]): Promise<string> {
  const file = await findDataFile(directory, names);
  if (file === undefined) {
    const expected = path.join(directory, names[0]);
    throw new DataNotFoundError(expected, notFoundMessage(expected, directory));
  }
  return file;
}

/**
 * The header's big-endian 32-bit words: the magic number, checked first so a file of the wrong
 * kind is reported as such rather than as truncated, then the dimensions.
 */
function readHeader(bytes: Uint8Array, file: string, words: number, magic: number, kind: string): number[] {
  if (bytes.length >= 4) {
    const found = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false);
    if (found !== magic) {
      throw new DataFormatError(file, `${file}: magic number ${hex(found)} is not ${hex(magic)}; is it ${kind} of MNIST format?`);
    }
  }
  if (bytes.length < words * 4) {
    throw new DataFormatError(file, `${file}: truncated IDX header (${bytes.length} bytes, expected at least ${words * 4}).`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: words }, (_, index) => view.getUint32(index * 4, false));
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

interface IdxImages {
  count: number;
  height: number;
  width: number;
  pixels: Uint8Array;
}

function parseImages(bytes: Uint8Array, file: string): IdxImages {
  const [, count, height, width] = readHeader(bytes, file, 4, imageMagic, 'an image file (unsigned bytes, 3 dimensions)');
  const expected = 16 + count * height * width;
  if (bytes.length !== expected) {
    throw new DataFormatError(
      file,
      `${file}: ${bytes.length} bytes, but its header announces ${count} images of ${height}×${width} (${expected} bytes); the file is ${bytes.length < expected ? 'truncated' : 'longer than announced'}. Download it again.`,
    );
  }
  return { count, height, width, pixels: bytes.subarray(16) };
}

function parseLabels(bytes: Uint8Array, file: string): Uint8Array {
  const [, count] = readHeader(bytes, file, 2, labelMagic, 'a label file (unsigned bytes, 1 dimension)');
  const expected = 8 + count;
  if (bytes.length !== expected) {
    throw new DataFormatError(
      file,
      `${file}: ${bytes.length} bytes, but its header announces ${count} labels (${expected} bytes); the file is ${bytes.length < expected ? 'truncated' : 'longer than announced'}. Download it again.`,
    );
  }
  return bytes.subarray(8);
}

async function readPair(imagesFile: string, labelsFile: string): Promise<{ images: IdxImages; labels: Uint8Array }> {
  const images = parseImages(await readDataFile(imagesFile), imagesFile);
  const labels = parseLabels(await readDataFile(labelsFile), labelsFile);
  if (labels.length !== images.count) {
    throw new DataFormatError(labelsFile, `${labelsFile} holds ${labels.length} labels but ${imagesFile} holds ${images.count} images.`);
  }
  return { images, labels };
}

function toDataset(name: string, pair: { images: IdxImages; labels: Uint8Array }, numClasses: number, classNames: readonly string[] | undefined): ArrayDataset {
  const { images, labels } = pair;
  const values = new Float32Array(images.pixels.length);
  for (let index = 0; index < values.length; index += 1) values[index] = images.pixels[index] / 255;
  return {
    name,
    images: values,
    labels: Int32Array.from(labels),
    shape: [images.height, images.width, 1],
    numClasses,
    ...(classNames === undefined ? {} : { classNames }),
    count: images.count,
  };
}

/**
 * Reads a data set in the IDX format of MNIST (also used by Fashion-MNIST, KMNIST and EMNIST) from
 * `directory`, which must hold `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each raw or gzipped (`.gz`; the dotted
 * spelling `train-images.idx3-ubyte` is accepted too). The split is the files' own: `train` and
 * `t10k`. Pixels are divided by 255; images keep their file order.
 *
 * Magic numbers (`0x00000803` for images, `0x00000801` for labels), file sizes against their
 * headers, label counts against image counts, and the image size of train against test are all
 * checked.
 *
 * @returns train and test splits of shape `[rows, columns, 1]`.
 * @throws DataNotFoundError naming the first missing file and where to download it.
 * @throws DataFormatError for a wrong magic number, a truncated or over-long file, a corrupt gzip
 * stream, mismatched counts or a label `>= numClasses`.
 */
export async function readMnistIdx(directory: string, options: ReadMnistIdxOptions = {}): Promise<DatasetSplits> {
  const files = {
    trainImages: await locate(directory, idxFiles.trainImages),
    trainLabels: await locate(directory, idxFiles.trainLabels),
    testImages: await locate(directory, idxFiles.testImages),
    testLabels: await locate(directory, idxFiles.testLabels),
  };
  const train = await readPair(files.trainImages, files.trainLabels);
  const test = await readPair(files.testImages, files.testLabels);
  if (train.images.height !== test.images.height || train.images.width !== test.images.width) {
    throw new DataFormatError(
      files.testImages,
      `${files.testImages} holds ${test.images.height}×${test.images.width} images but ${files.trainImages} holds ${train.images.height}×${train.images.width}.`,
    );
  }
  let largestLabel = 0;
  for (const labels of [train.labels, test.labels]) {
    for (const label of labels) largestLabel = Math.max(largestLabel, label);
  }
  const numClasses = options.numClasses ?? options.classNames?.length ?? Math.max(10, largestLabel + 1);
  if (options.classNames !== undefined && options.classNames.length !== numClasses) {
    throw new DataArgumentError('classNames', `classNames has ${options.classNames.length} entries for ${numClasses} classes`);
  }
  if (largestLabel >= numClasses) {
    const file = train.labels.includes(largestLabel) ? files.trainLabels : files.testLabels;
    throw new DataFormatError(file, `${file}: label ${largestLabel} is not below numClasses = ${numClasses}.`);
  }
  const name = options.name ?? 'mnist';
  return {
    train: toDataset(name, train, numClasses, options.classNames),
    test: toDataset(name, test, numClasses, options.classNames),
  };
}
