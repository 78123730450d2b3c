export { createArrayDataset, type ArrayDataset, type ArrayDatasetFields, type DatasetSplits } from './array-dataset';
export { batchCount, createBatches, type Batch, type CreateBatchesOptions } from './batches';
export type { BatchShape } from './batch-shape';
export type { LoadOptions } from './bundled-data';
export { computeChannelStats, type ChannelStats } from './channel-stats';
export { cifar10ClassNames, readCifar10 } from './cifar10';
export { DataArgumentError, DataFormatError, DataNotFoundError, type DataErrorOptions } from './data-errors';
export { clearDatasetCache } from './dataset-cache';
export { datasetCatalog, type DatasetCatalogEntry } from './dataset-catalog';
export { describeDataset, type DatasetDescription } from './describe-dataset';
export { fashionMnistClassNames, loadFashionMnist } from './fashion-mnist';
export { loadMnist, mnistClassNames } from './mnist';
export { readMnistIdx, type ReadMnistIdxOptions } from './mnist-idx';
export { normalize } from './normalize';
export {
  detectPackageManager,
  installCommand,
  runBinaryCommand,
  type DetectPackageManagerOptions,
  type InstallCommandOptions,
  type PackageManagerName,
} from './package-manager';
export { randomCrop } from './random-crop';
export { randomFlip } from './random-flip';
export type { RandomSource } from './random-source';
export { selectClasses, type SelectClassesOptions } from './select-classes';
export { shuffledIndices } from './shuffled-indices';
export {
  createSyntheticDataset,
  createSyntheticSplits,
  type SyntheticDatasetOptions,
  type SyntheticSplitsOptions,
} from './synthetic';
export { take } from './take';
export { validationSplit } from './validation-split';
