import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, type Dataset, type Model, type Normalization } from '@core/runtime';

/** The first `count` examples of a split as raw pixels and labels. */
export interface EvaluationSubset {
  /** NHWC values as stored (pixels in [0, 1] for the image data sets). */
  pixels: Float32Array;
  labels: Int32Array;
  shape: readonly [number, number, number];
  count: number;
  classNames?: readonly string[];
}

/** Takes the first `count` examples (all when `count` is larger or absent). */
export function takeSubset(dataset: Dataset, count: number | undefined): EvaluationSubset {
  if (dataset.shape.length !== 3) {
    throw new InvalidArgumentError('data', `srcaps: robustness steps need NHWC images [height, width, channels], got examples of [${dataset.shape.join(', ')}].`);
  }
  const taken = Math.min(dataset.count, count ?? dataset.count);
  const size = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  return {
    pixels: dataset.images.subarray(0, taken * size),
    labels: dataset.labels.subarray(0, taken),
    shape: dataset.shape as unknown as [number, number, number],
    count: taken,
    ...(dataset.classNames === undefined ? {} : { classNames: dataset.classNames }),
  };
}

/** `(x − mean) / std` over the channel axis of NHWC pixels, as the trainers feed them. */
export function normalizeImages(pixels: tf.Tensor4D, normalization: Normalization | undefined): tf.Tensor4D {
  if (normalization === undefined) return pixels.clone();
  return tf.tidy(() => tf.div(tf.sub(pixels, tf.tensor1d([...normalization.mean])), tf.tensor1d([...normalization.std])) as tf.Tensor4D);
}

/** The valid input range after normalisation: black and white pixels, over all channels. */
export function normalizedPixelRange(normalization: Normalization | undefined): [number, number] {
  if (normalization === undefined) return [0, 1];
  const lows = normalization.mean.map((mean, channel) => (0 - mean) / normalization.std[channel]);
  const highs = normalization.mean.map((mean, channel) => (1 - mean) / normalization.std[channel]);
  return [Math.min(...lows), Math.max(...highs)];
}

/** Predicted classes of a model for normalised inputs, in batches. */
export function predictClasses(model: Model, inputs: tf.Tensor4D, batchSize: number): Int32Array {
  const predictions = new Int32Array(inputs.shape[0]);
  for (let start = 0; start < inputs.shape[0]; start += batchSize) {
    const size = Math.min(batchSize, inputs.shape[0] - start);
    const batch = tf.tidy(() => tf.argMax(model.apply(tf.slice(inputs, [start, 0, 0, 0], [size, -1, -1, -1]), { training: false }) as tf.Tensor, 1));
    predictions.set(batch.dataSync() as Int32Array, start);
    batch.dispose();
  }
  return predictions;
}
