import * as tf from '@tensorflow/tfjs';
import { createRng, InvalidArgumentError } from '@core/runtime';
import { assertRank } from './argument-checks';
import type { RandomSource } from '@core/datasets';
import { sampleTriplets, type TripletSampling } from './triplet-sampling';

/** Options of {@link tripletLoss}. */
export interface TripletLossOptions {
  /** Margin `α` of the hinge (default 0.2, as the RKD reference). */
  margin?: number;
  /** Negative selection (default `semi-hard`); see {@link sampleTriplets}. */
  sampling?: TripletSampling;
  /**
   * Random source for `distance-weighted` sampling: an object with `next()` (such as the runtime's
   * `Rng`, advanced by each call) or an integer seed (the same draws at every call).
   */
  rng?: RandomSource | number;
}

/**
 * Euclidean distances between all rows computed from the differences (not the Gram matrix), with the
 * squared distance clamped at 1e-12 before the square root so identical rows have a finite gradient.
 *
 * @param embeddings - `[batch, dimension]`.
 * @returns `[batch, batch]`; the diagonal is 1e-6.
 */
function differenceDistances(embeddings: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const differences = tf.sub(tf.expandDims(embeddings, 1), tf.expandDims(embeddings, 0));
    return tf.sqrt(tf.maximum(tf.sum(tf.square(differences), 2), 1e-12)) as tf.Tensor2D;
  });
}

/**
 * Triplet margin loss for metric learning (Schroff et al. 2015; the teacher loss of RKD, Park et al.
 * 2019, Sec. 4.1), as `L2Triplet` of the reference: `mean(max(0, ‖a − p‖ − ‖a − n‖ + margin))` with
 * non-squared Euclidean distances, over the triplets chosen by {@link sampleTriplets}. The choice of
 * triplets reads the current distances and labels on the host (it is not differentiated); the loss
 * is differentiated through the chosen distances. With no valid triplet (a single class, or no class
 * with two examples) the loss is 0 and still connected to `embeddings`. Memory grows as `batch³`, as
 * for the angle loss.
 *
 * @param embeddings - `[batch, dimension]`.
 * @param labels - `batch` integer class labels (tensor or array).
 * @param options - Margin, sampling and random source.
 * @returns Scalar loss.
 * @throws InvalidArgumentError for mismatched sizes, a negative margin, or distance-weighted sampling without `rng`.
 */
export function tripletLoss(
  embeddings: tf.Tensor2D,
  labels: tf.Tensor1D | Int32Array | readonly number[],
  options: TripletLossOptions = {},
): tf.Scalar {
  assertRank(embeddings, 2, 'embeddings', 'tripletLoss');
  const margin = options.margin ?? 0.2;
  const sampling = options.sampling ?? 'semi-hard';
  if (!(margin >= 0)) throw new InvalidArgumentError('margin', `tripletLoss: margin must be ≥ 0, got ${margin}.`);
  const labelValues = Array.isArray(labels) || ArrayBuffer.isView(labels) ? (labels as ArrayLike<number>) : (labels as tf.Tensor1D).dataSync();
  const [batch, dimension] = embeddings.shape;
  if (labelValues.length !== batch) {
    throw new InvalidArgumentError('labels', `tripletLoss: got ${labelValues.length} labels for ${batch} embeddings; pass one label per row.`);
  }
  const rng = typeof options.rng === 'number' ? createRng(options.rng) : options.rng;
  return tf.tidy(() => {
    const distances = differenceDistances(embeddings);
    const triplets = sampleTriplets(distances.dataSync(), labelValues, { sampling, dimension, rng });
    const count = triplets.anchors.length;
    if (count === 0) return tf.mul(tf.sum(embeddings), 0) as tf.Scalar;
    // The chosen triplets are counts in a dense [anchor, positive, negative] table rather than a gather:
    // the gradient of a gather over the batch² distances is a segment sum, very slow on the cpu backend.
    const multiplicity = new Float32Array(batch * batch * batch);
    for (let index = 0; index < count; index += 1) {
      multiplicity[(triplets.anchors[index] * batch + triplets.positives[index]) * batch + triplets.negatives[index]] += 1;
    }
    const hinge = tf.relu(tf.add(tf.sub(tf.expandDims(distances, 2), tf.expandDims(distances, 1)), margin));
    return tf.div(tf.sum(tf.mul(hinge, tf.tensor3d(multiplicity, [batch, batch, batch]))), count) as tf.Scalar;
  });
}
