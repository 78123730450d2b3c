import { DataArgumentError } from './data-errors';
import { gatherSamples, indicesByClass, type ArrayDataset } from './array-dataset';
import type { RandomSource } from './random-source';
import { shuffledIndices } from './shuffled-indices';
import { proportionalQuotas } from './stratified';

/**
 * Holds out a stratified random `fraction` of `dataset` for validation. The validation size is
 * `round(fraction * count)`, shared among classes in proportion to their size (largest
 * remainders get the leftover); within each class, in label order, the held-out images are chosen
 * by a Fisher–Yates shuffle of that class's images drawn from `random`. Both parts keep the data
 * set's original order, so the result depends only on `dataset`, `fraction` and the source state.
 *
 * @param fraction share of the images held out, in [0, 1).
 */
export function validationSplit(
  dataset: ArrayDataset,
  fraction: number,
  random: RandomSource,
): { train: ArrayDataset; validation: ArrayDataset } {
  if (!(fraction >= 0 && fraction < 1)) throw new DataArgumentError('fraction', `fraction must be in [0, 1), got ${fraction}`);
  const groups = indicesByClass(dataset.labels, dataset.numClasses);
  const quotas = proportionalQuotas(
    groups.map((group) => group.length),
    Math.round(fraction * dataset.count),
  );
  const heldOut = new Uint8Array(dataset.count);
  groups.forEach((group, label) => {
    const permutation = shuffledIndices(group.length, random);
    for (let position = 0; position < quotas[label]; position += 1) heldOut[group[permutation[position]]] = 1;
  });
  const trainIndices: number[] = [];
  const validationIndices: number[] = [];
  for (let index = 0; index < dataset.count; index += 1) (heldOut[index] === 1 ? validationIndices : trainIndices).push(index);
  return { train: gatherSamples(dataset, trainIndices), validation: gatherSamples(dataset, validationIndices) };
}
