import * as tf from '@tensorflow/tfjs';
import type { Dataset, Model } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { topKCorrect } from './accuracy';
import { softmaxCrossEntropy } from './softmax-cross-entropy';

/** Options of {@link evaluateClassifier}. */
export interface EvaluateClassifierOptions {
  /** Examples per forward pass (a positive integer); the last batch may be smaller. */
  batchSize: number;
  /**
   * Per-channel normalisation applied to the images before the model: `(x − mean) / std` over
   * the last (channel) axis of NHWC images. One value per channel, or one value for all.
   */
  normalize?: { mean: readonly number[]; std: readonly number[] };
  /** Extra top-k accuracies to report, e.g. `[5]` gives `top5`. */
  topK?: readonly number[];
}

/**
 * Metrics of {@link evaluateClassifier}: mean cross-entropy in nats, top-1 accuracy in [0, 1],
 * and `top<k>` for each requested k.
 */
export type ClassifierEvaluation = {
  loss: number;
  accuracy: number;
  [topK: `top${number}`]: number;
};

function checkOptions(dataset: Dataset, options: EvaluateClassifierOptions): void {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new InvalidArgumentError('batchSize', `batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (dataset.count === 0) {
    throw new InvalidArgumentError('dataset', `data set "${dataset.name}" has no examples to evaluate`);
  }
  for (const k of options.topK ?? []) {
    if (!Number.isInteger(k) || k < 1) {
      throw new InvalidArgumentError('topK', `each top-k must be a positive integer, got ${k}`);
    }
  }
  const normalize = options.normalize;
  if (normalize !== undefined) {
    const channels = dataset.shape[dataset.shape.length - 1];
    for (const [field, values] of [['mean', normalize.mean], ['std', normalize.std]] as const) {
      if (values.length !== channels && values.length !== 1) {
        throw new InvalidArgumentError('normalize', `normalize.${field} needs 1 or ${channels} values (one per channel), got ${values.length}`);
      }
    }
    if (normalize.std.some((value) => !(value > 0))) {
      throw new InvalidArgumentError('normalize', `normalize.std values must be above 0, got [${normalize.std.join(', ')}]`);
    }
  }
}

/**
 * Evaluates a classifier on a whole data set in inference mode (`training: false`): mean
 * softmax cross-entropy, top-1 accuracy and optional top-k accuracies, all averaged over examples
 * (not over batches, so a smaller last batch counts for what it holds).
 *
 * Each batch runs in its own `tf.tidy`; per-batch sums accumulate on the device and are read
 * back once at the end, so the loop neither leaks tensors nor waits on the device per batch.
 *
 * @param model Maps `[batch, height, width, channels]` images to `[batch, classes]` logits.
 * @param dataset Examples (NHWC images in [0, 1], or any shape) and int32 labels.
 * @throws InvalidArgumentError on a bad batch size, empty data, bad normalisation or a k above
 *   the number of classes.
 */
export async function evaluateClassifier(
  model: Model,
  dataset: Dataset,
  options: EvaluateClassifierOptions,
): Promise<ClassifierEvaluation> {
  checkOptions(dataset, options);
  const topK = [...new Set(options.topK ?? [])];
  const imageSize = dataset.shape.reduce((product, size) => product * size, 1);
  const normalize = options.normalize;
  // Slots: summed loss, correct top-1, then correct top-k for each requested k.
  let sums: tf.Tensor1D = tf.zeros([2 + topK.length]);
  try {
    for (let start = 0; start < dataset.count; start += options.batchSize) {
      const end = Math.min(start + options.batchSize, dataset.count);
      const size = end - start;
      const next = tf.tidy(() => {
        let images: tf.Tensor = tf.tensor(dataset.images.subarray(start * imageSize, end * imageSize), [size, ...dataset.shape]);
        if (normalize !== undefined) {
          images = tf.div(tf.sub(images, tf.tensor1d([...normalize.mean])), tf.tensor1d([...normalize.std]));
        }
        const labels = tf.tensor1d(dataset.labels.subarray(start, end), 'int32');
        const logits = model.apply(images, { training: false });
        if (logits.rank !== 2) {
          throw new InvalidArgumentError('model', `model "${model.name}" must output logits [batch, classes], got shape [${logits.shape.join(', ')}]`);
        }
        const logits2d = logits as tf.Tensor2D;
        const batchSums = [
          tf.mul(softmaxCrossEntropy(logits2d, labels), size),
          tf.sum(tf.cast(tf.equal(tf.argMax(logits2d, 1), labels), 'float32')),
          ...topK.map((k) => tf.sum(topKCorrect(logits2d, labels, k))),
        ];
        return tf.add(sums, tf.stack(batchSums)) as tf.Tensor1D;
      });
      sums.dispose();
      sums = next;
    }
    const values = await sums.data();
    const result: ClassifierEvaluation = { loss: values[0] / dataset.count, accuracy: values[1] / dataset.count };
    topK.forEach((k, index) => {
      result[`top${k}`] = values[2 + index] / dataset.count;
    });
    return result;
  } finally {
    sums.dispose();
  }
}
