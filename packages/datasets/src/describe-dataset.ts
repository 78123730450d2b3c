import type { ArrayDataset } from './array-dataset';

/** Summary of a data set, for logs and run records. */
export interface DatasetDescription {
  name: string;
  count: number;
  shape: [number, number, number];
  numClasses: number;
  /** Number of images of each class, indexed by label. */
  classCounts: number[];
}

/** Name, size, image shape, class count and per-class image counts of `dataset`. */
export function describeDataset(dataset: ArrayDataset): DatasetDescription {
  const classCounts = new Array<number>(dataset.numClasses).fill(0);
  for (let index = 0; index < dataset.count; index += 1) classCounts[dataset.labels[index]] += 1;
  return {
    name: dataset.name,
    count: dataset.count,
    shape: [dataset.shape[0], dataset.shape[1], dataset.shape[2]],
    numClasses: dataset.numClasses,
    classCounts,
  };
}
