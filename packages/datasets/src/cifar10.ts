import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArrayDataset, DatasetSplits } from './array-dataset';
import { DataFormatError, DataNotFoundError, isMissingFileError } from './data-errors';

/** Class names of CIFAR-10, by label, as in its `batches.meta.txt`. */
export const cifar10ClassNames: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const side = 32;
const planeSize = side * side;
const recordSize = 1 + 3 * planeSize;
const trainFiles = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
const testFile = 'test_batch.bin';
const extractedFolder = 'cifar-10-batches-bin';

function notFoundMessage(file: string): string {
  return [
    `${file} not found.`,
    'CIFAR-10 is read from its "CIFAR-10 binary version (suitable for C programs)", cifar-10-binary.tar.gz,',
    'published at https://www.cs.toronto.edu/~kriz/cifar.html. Download it, extract it',
    '(tar -xzf cifar-10-binary.tar.gz) and pass the directory that holds data_batch_1.bin … data_batch_5.bin',
    'and test_batch.bin (the extracted cifar-10-batches-bin folder, or its parent).',
  ].join('\n');
}

async function exists(candidate: string): Promise<boolean> {
  try {
    await stat(candidate);
    return true;
  } catch (error) {
    if (isMissingFileError(error)) return false;
    throw error;
  }
}

async function readBatch(file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if (isMissingFileError(error)) throw new DataNotFoundError(file, notFoundMessage(file), { cause: error });
    throw error;
  }
  if (bytes.length === 0 || bytes.length % recordSize !== 0) {
    throw new DataFormatError(
      file,
      `${file}: ${bytes.length} bytes is not a whole number of ${recordSize}-byte records (1 label byte + 3×32×32 pixels); the file is truncated or not a CIFAR-10 binary batch. Download it again.`,
    );
  }
  return bytes;
}

async function readClassNames(directory: string): Promise<readonly string[]> {
  const file = path.join(directory, 'batches.meta.txt');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isMissingFileError(error)) return cifar10ClassNames;
    throw error;
  }
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length !== cifar10ClassNames.length) {
    throw new DataFormatError(file, `${file}: expected ${cifar10ClassNames.length} class names, one per line, found ${names.length}.`);
  }
  return names;
}

/**
 * Converts CIFAR-10 binary records (1 label byte, then the red, green and blue 32×32 planes, rows
 * top to bottom) into one NHWC data set with values in [0, 1].
 */
function decodeBatches(batches: readonly { file: string; bytes: Uint8Array }[], classNames: readonly string[]): ArrayDataset {
  const count = batches.reduce((accumulator, batch) => accumulator + batch.bytes.length / recordSize, 0);
  const images = new Float32Array(count * 3 * planeSize);
  const labels = new Int32Array(count);
  let record = 0;
  for (const { file, bytes } of batches) {
    for (let offset = 0; offset < bytes.length; offset += recordSize) {
      const label = bytes[offset];
      if (label >= classNames.length) {
        throw new DataFormatError(file, `${file}: record ${offset / recordSize} has label ${label}; CIFAR-10 labels are 0–9.`);
      }
      labels[record] = label;
      const target = record * 3 * planeSize;
      for (let channel = 0; channel < 3; channel += 1) {
        const plane = offset + 1 + channel * planeSize;
        for (let pixel = 0; pixel < planeSize; pixel += 1) {
          images[target + pixel * 3 + channel] = bytes[plane + pixel] / 255;
        }
      }
      record += 1;
    }
  }
  return { name: 'cifar10', images, labels, shape: [side, side, 3], numClasses: classNames.length, classNames, count };
}

/**
 * Reads CIFAR-10 from its binary version: `data_batch_1.bin` … `data_batch_5.bin` form the train
 * split (50,000 images) and `test_batch.bin` the test split (10,000), in file order — the
 * official split. `directory` may be the extracted `cifar-10-batches-bin` folder or its parent.
 * Each record's channel-first planes are converted to HWC; values are divided by 255. Class names
 * come from `batches.meta.txt` when present, otherwise {@link cifar10ClassNames}.
 *
 * @returns train and test splits of shape `[32, 32, 3]`, 10 classes.
 * @throws DataNotFoundError naming the first missing batch file and how to get the data.
 * @throws DataFormatError when a batch is not a whole number of 3,073-byte records or holds a
 * label above 9.
 */
export async function readCifar10(directory: string): Promise<DatasetSplits> {
  const nested = path.join(directory, extractedFolder);
  // The batches directly in `directory` win; otherwise look inside the folder the tarball creates.
  const root = !(await exists(path.join(directory, trainFiles[0]))) && (await exists(nested)) ? nested : directory;
  const classNames = await readClassNames(root);
  const train: { file: string; bytes: Uint8Array }[] = [];
  for (const name of trainFiles) {
    const file = path.join(root, name);
    train.push({ file, bytes: await readBatch(file) });
  }
  const testPath = path.join(root, testFile);
  const test = [{ file: testPath, bytes: await readBatch(testPath) }];
  return { train: decodeBatches(train, classNames), test: decodeBatches(test, classNames) };
}
