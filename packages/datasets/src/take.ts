import { DataArgumentError } from './data-errors';
import { gatherSamples, indicesByClass, type ArrayDataset } from './array-dataset';
import { proportionalQuotas } from './stratified';

/**
 * A stratified prefix of `dataset`: `count` images (all of them if `count >= dataset.count`)
 * whose class proportions match the whole data set's, taking each class's images in data set
 * order and keeping that order. Class quotas are `count * classCount / total` rounded down, the
 * leftover going to the largest remainders. Deterministic, no randomness involved.
 */
export function take(dataset: ArrayDataset, count: number): ArrayDataset {
  if (!Number.isInteger(count) || count < 0) throw new DataArgumentError('count', `count must be a non-negative integer, got ${count}`);
  if (count >= dataset.count) return gatherSamples(dataset, Array.from({ length: dataset.count }, (_, index) => index));
  const groups = indicesByClass(dataset.labels, dataset.numClasses);
  const quotas = proportionalQuotas(
    groups.map((group) => group.length),
    count,
  );
  const selected = new Int32Array(count);
  const taken = new Array<number>(dataset.numClasses).fill(0);
  let position = 0;
  for (let index = 0; index < dataset.count && position < count; index += 1) {
    const label = dataset.labels[index];
    if (taken[label] < quotas[label]) {
      taken[label] += 1;
      selected[position] = index;
      position += 1;
    }
  }
  return gatherSamples(dataset, selected);
}
