import { DataArgumentError } from './data-errors';
import { gatherSamples, type ArrayDataset } from './array-dataset';

/** Options of {@link selectClasses}. */
export interface SelectClassesOptions {
  /**
   * Renumber the kept classes `0 … classes.length - 1` in the order given (and set `numClasses`
   * and `classNames` to match), as a classifier trained on the subset needs. Default `false`:
   * labels and `numClasses` stay those of the full data set, as retrieval on held-out classes needs.
   */
  relabel?: boolean;
}

/**
 * The images of `dataset` whose label is one of `classes`, in data set order. Metric learning,
 * for example, trains on classes 0–4 and evaluates retrieval on the unseen classes 5–9.
 *
 * @throws RangeError for a class outside `[0, numClasses)` or listed twice.
 */
export function selectClasses(dataset: ArrayDataset, classes: readonly number[], options: SelectClassesOptions = {}): ArrayDataset {
  const newLabel = new Int32Array(dataset.numClasses).fill(-1);
  classes.forEach((label, position) => {
    if (!Number.isInteger(label) || label < 0 || label >= dataset.numClasses) {
      throw new DataArgumentError('class', `class ${label} is outside [0, ${dataset.numClasses})`);
    }
    if (newLabel[label] !== -1) throw new DataArgumentError('class', `class ${label} is listed twice`);
    newLabel[label] = position;
  });
  const indices: number[] = [];
  for (let index = 0; index < dataset.count; index += 1) {
    if (newLabel[dataset.labels[index]] !== -1) indices.push(index);
  }
  if (options.relabel !== true) return gatherSamples(dataset, indices);
  const subset = gatherSamples(dataset, indices, {
    numClasses: classes.length,
    classNames: dataset.classNames === undefined ? undefined : classes.map((label) => dataset.classNames![label]),
  });
  for (let index = 0; index < subset.count; index += 1) subset.labels[index] = newLabel[subset.labels[index]];
  if (dataset.targets === undefined) return subset;
  // Soft targets keep the columns of the kept classes, in the new order, renormalised to sum to 1.
  const targets = new Float32Array(subset.count * classes.length);
  // gatherSamples copied the rows at the full width of the original classes.
  const selected = subset.targets!;
  for (let index = 0; index < subset.count; index += 1) {
    let sum = 0;
    classes.forEach((label, position) => {
      const value = selected[index * dataset.numClasses + label];
      targets[index * classes.length + position] = value;
      sum += value;
    });
    if (sum > 0) for (let position = 0; position < classes.length; position += 1) targets[index * classes.length + position] /= sum;
  }
  return { ...subset, targets };
}
