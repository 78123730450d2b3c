import { DataArgumentError } from './data-errors';
/**
 * An image classification data set held in memory: NHWC images with values in [0, 1] (before
 * any normalisation) and integer labels.
 */
export interface ArrayDataset {
  /** Short identifier, e.g. `mnist`; subsets keep the name of the data set they come from. */
  readonly name: string;
  /** Pixels in NHWC order, `count * height * width * channels` values in [0, 1]. */
  readonly images: Float32Array;
  /** Class index of each image, `count` values in [0, numClasses). */
  readonly labels: Int32Array;
  /** `[height, width, channels]` of one image. */
  readonly shape: readonly [number, number, number];
  /** Number of classes of the task (labels may use fewer, e.g. after {@link selectClasses}). */
  readonly numClasses: number;
  /** Human-readable name of each class index, when known. */
  readonly classNames?: readonly string[];
  /** Number of images. */
  readonly count: number;
  /**
   * Soft targets, `count · numClasses` values, each row a probability vector (e.g. a teacher's
   * softmax outputs for generated samples), when the data carries them.
   */
  readonly targets?: Float32Array;
}

/** A train and a test split of one data set. */
export interface DatasetSplits {
  readonly train: ArrayDataset;
  readonly test: ArrayDataset;
}

/** Fields of {@link createArrayDataset}; `count` is derived from `labels`. */
export interface ArrayDatasetFields {
  name: string;
  images: Float32Array;
  labels: Int32Array;
  shape: readonly [number, number, number];
  numClasses: number;
  classNames?: readonly string[];
  /** Soft targets, `labels.length · numClasses` values. */
  targets?: Float32Array;
}

/**
 * Builds an {@link ArrayDataset} from arrays, checking that the sizes agree and that every label
 * lies in `[0, numClasses)`. The arrays are used as they are, not copied.
 *
 * @throws RangeError when the image array does not hold `labels.length` images of `shape`, or a
 * label is out of range.
 */
export function createArrayDataset(fields: ArrayDatasetFields): ArrayDataset {
  const [height, width, channels] = fields.shape;
  for (const size of fields.shape) {
    if (!Number.isInteger(size) || size <= 0) {
      throw new DataArgumentError('shape', `shape must be three positive integers [height, width, channels], got [${fields.shape.join(', ')}]`);
    }
  }
  if (!Number.isInteger(fields.numClasses) || fields.numClasses <= 0) {
    throw new DataArgumentError('numClasses', `numClasses must be a positive integer, got ${fields.numClasses}`);
  }
  const count = fields.labels.length;
  if (fields.images.length !== count * height * width * channels) {
    throw new DataArgumentError('images',
      `images holds ${fields.images.length} values, but ${count} labels of shape [${height}, ${width}, ${channels}] need ${count * height * width * channels}`,
    );
  }
  for (let index = 0; index < count; index += 1) {
    const label = fields.labels[index];
    if (label < 0 || label >= fields.numClasses) {
      throw new DataArgumentError('label', `label ${label} of image ${index} is outside [0, ${fields.numClasses})`);
    }
  }
  if (fields.classNames !== undefined && fields.classNames.length !== fields.numClasses) {
    throw new DataArgumentError('classNames', `classNames has ${fields.classNames.length} entries for ${fields.numClasses} classes`);
  }
  if (fields.targets !== undefined && fields.targets.length !== count * fields.numClasses) {
    throw new DataArgumentError('targets', `targets holds ${fields.targets.length} values, but ${count} examples of ${fields.numClasses} classes need ${count * fields.numClasses}`);
  }
  return {
    name: fields.name,
    images: fields.images,
    labels: fields.labels,
    shape: [height, width, channels],
    numClasses: fields.numClasses,
    ...(fields.classNames === undefined ? {} : { classNames: fields.classNames }),
    count,
    ...(fields.targets === undefined ? {} : { targets: fields.targets }),
  };
}

/** Number of values of one image of `shape`. */
export function imageSize(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/**
 * A new data set made of the images at `indices`, in that order (copied, so the result does not
 * share memory with `dataset`).
 */
export function gatherSamples(dataset: ArrayDataset, indices: ArrayLike<number>, overrides: Partial<ArrayDatasetFields> = {}): ArrayDataset {
  const size = imageSize(dataset.shape);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  const classes = dataset.numClasses;
  const targets = dataset.targets === undefined ? undefined : new Float32Array(indices.length * classes);
  for (let position = 0; position < indices.length; position += 1) {
    const source = indices[position];
    images.set(dataset.images.subarray(source * size, (source + 1) * size), position * size);
    labels[position] = dataset.labels[source];
    targets?.set(dataset.targets!.subarray(source * classes, (source + 1) * classes), position * classes);
  }
  return {
    name: overrides.name ?? dataset.name,
    images,
    labels,
    shape: dataset.shape,
    numClasses: overrides.numClasses ?? dataset.numClasses,
    ...((overrides.classNames ?? dataset.classNames) === undefined ? {} : { classNames: overrides.classNames ?? dataset.classNames }),
    count: labels.length,
    ...(targets === undefined ? {} : { targets }),
  };
}

/** Indices of each class's images in data set order: `result[label]` lists the images of `label`. */
export function indicesByClass(labels: Int32Array, numClasses: number): number[][] {
  const groups: number[][] = Array.from({ length: numClasses }, () => []);
  for (let index = 0; index < labels.length; index += 1) groups[labels[index]].push(index);
  return groups;
}
