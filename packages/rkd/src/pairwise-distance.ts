import * as tf from '@tensorflow/tfjs';
import { assertRank } from './argument-checks';

/** Options of {@link pairwiseDistance}. */
export interface PairwiseDistanceOptions {
  /** Return squared distances instead of distances (default `false`). */
  squared?: boolean;
}

/**
 * Pairwise Euclidean distances between the rows of `embeddings`, as `pdist` in the RKD reference
 * (`metric/utils.py`): `d_ij = sqrt(max(‖e_i‖² + ‖e_j‖² − 2·e_i·e_j, 1e-12))`, then the diagonal set
 * to exactly 0. Clamping before the square root keeps the gradient finite for identical rows.
 *
 * @param embeddings - `[batch, dimension]`.
 * @returns `[batch, batch]`, symmetric, zero diagonal; off-diagonal entries are at least 1e-6
 *   (1e-12 when `squared`).
 */
export function pairwiseDistance(embeddings: tf.Tensor2D, options: PairwiseDistanceOptions = {}): tf.Tensor2D {
  assertRank(embeddings, 2, 'embeddings', 'pairwiseDistance');
  return tf.tidy(() => {
    const batch = embeddings.shape[0];
    const squaredNorms = tf.sum(tf.square(embeddings), 1);
    const products = tf.matMul(embeddings, embeddings, false, true);
    const squaredDistances = tf.maximum(
      tf.sub(tf.add(tf.expandDims(squaredNorms, 1), tf.expandDims(squaredNorms, 0)), tf.mul(products, 2)),
      1e-12,
    );
    const distances = options.squared === true ? squaredDistances : tf.sqrt(squaredDistances);
    const offDiagonal = tf.sub(1, tf.eye(batch));
    return tf.mul(distances, offDiagonal) as tf.Tensor2D;
  });
}
