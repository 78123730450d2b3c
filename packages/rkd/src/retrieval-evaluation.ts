import * as tf from '@tensorflow/tfjs';
import { type ArrayDataset, normalize } from '@core/datasets';
import { InvalidArgumentError, type Metrics, type Model } from '@core/runtime';
import { recallAtK } from './recall-at-k';

/** Options of {@link embedDataset} and {@link evaluateRetrieval}. */
export interface EmbedDatasetOptions {
  /** Images per forward pass (default 256). */
  batchSize?: number;
  /** Per-channel normalisation applied to the images first, as in training. */
  normalization?: { mean: readonly number[]; std: readonly number[] };
}

/**
 * Embeds every image of a data set with a model in inference mode (`training: false`).
 *
 * @param model - Maps `[batch, height, width, channels]` to `[batch, dimension]`.
 * @param dataset - NHWC images in [0, 1].
 * @param options - Batch size and normalisation.
 * @returns Row-major `[count, dimension]` embeddings.
 */
export async function embedDataset(model: Model, dataset: ArrayDataset, options: EmbedDatasetOptions = {}): Promise<Float32Array> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError('batchSize', `embedDataset: batchSize must be a positive integer, got ${batchSize}.`);
  const dimension = model.outputShape.reduce((product, size) => product * size, 1);
  const [height, width, channels] = dataset.shape;
  const imageSize = height * width * channels;
  const result = new Float32Array(dataset.count * dimension);
  for (let start = 0; start < dataset.count; start += batchSize) {
    const count = Math.min(batchSize, dataset.count - start);
    let images = dataset.images.subarray(start * imageSize, (start + count) * imageSize);
    if (options.normalization !== undefined) images = normalize(images, channels, options.normalization.mean, options.normalization.std);
    const output = tf.tidy(() => tf.reshape(model.apply(tf.tensor4d(images, [count, height, width, channels]), { training: false }), [count, dimension]));
    try {
      result.set(await output.data(), start * dimension);
    } finally {
      output.dispose();
    }
  }
  return result;
}

/**
 * Recall@K of a model's embeddings on a data set, by exact nearest-neighbour retrieval with the query
 * excluded (the metric of RKD, Park et al. 2019, Sec. 4.1; see {@link recallAtK}).
 *
 * @param model - An embedding model.
 * @param dataset - Images of the classes to retrieve (usually classes unseen in training).
 * @param ks - K values, e.g. `[1, 2, 4, 8]`.
 * @param options - Batch size and normalisation.
 * @returns `recall_at_<K>` for each K, as fractions in [0, 1].
 */
export async function evaluateRetrieval(model: Model, dataset: ArrayDataset, ks: readonly number[], options: EmbedDatasetOptions = {}): Promise<Metrics> {
  const embeddings = await embedDataset(model, dataset, options);
  const dimension = dataset.count === 0 ? 1 : embeddings.length / dataset.count;
  const recalls = recallAtK(embeddings, dataset.labels, dimension, ks);
  const metrics: Metrics = {};
  ks.forEach((k, index) => (metrics[`recall_at_${k}`] = recalls[index]));
  return metrics;
}
