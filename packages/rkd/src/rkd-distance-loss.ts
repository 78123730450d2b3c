import * as tf from '@tensorflow/tfjs';
import { assertRank, assertSameBatch } from './argument-checks';
import { pairwiseDistance } from './pairwise-distance';
import { smoothL1 } from './smooth-l1';
import { stopGradient, withoutGradient } from '@core/runtime';

/**
 * Pairwise distances divided by their mean over off-diagonal pairs with positive distance
 * (`ψ_D` of RKD, Park et al. 2019, Eq. 4). A batch of one example has no pair; its relation is 0.
 *
 * @param embeddings - `[batch, dimension]`.
 * @returns `[batch, batch]`.
 */
export function normalizedPairwiseDistance(embeddings: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const distances = pairwiseDistance(embeddings);
    const positivePairs = withoutGradient(distances, (values) => tf.sum(tf.cast(tf.greater(values, 0), 'float32')));
    const meanDistance = tf.div(tf.sum(distances), tf.maximum(positivePairs, 1));
    // Off-diagonal distances are at least 1e-6, so the clamp only acts on a batch of one (all zeros).
    return tf.div(distances, tf.maximum(meanDistance, 1e-12)) as tf.Tensor2D;
  });
}

/**
 * Distance-wise RKD loss (RKD-D, Park et al. 2019, Sec. 3.2.1, Eq. 4–5), as `RkdDistance` in the
 * reference code: Euclidean distances between the examples of the batch, each side divided by its own
 * mean off-diagonal distance, compared with smooth-L1 (δ = 1) averaged over all `batch²` entries
 * (the zero diagonal included). The teacher side receives no gradient; the student's mean distance
 * does. The loss is invariant to scaling either side, and student and teacher may have different
 * widths. A batch of one example gives 0.
 *
 * @param student - Student embeddings `[batch, studentDimension]`.
 * @param teacher - Teacher embeddings `[batch, teacherDimension]` for the same examples.
 * @returns Scalar loss.
 * @throws InvalidArgumentError when a tensor is not 2-D or the batch sizes differ.
 */
export function rkdDistanceLoss(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  assertRank(student, 2, 'student', 'rkdDistanceLoss');
  assertRank(teacher, 2, 'teacher', 'rkdDistanceLoss');
  assertSameBatch(student, teacher, 'rkdDistanceLoss');
  return tf.tidy(() => {
    const teacherRelation = stopGradient(normalizedPairwiseDistance(teacher));
    const studentRelation = normalizedPairwiseDistance(student);
    return tf.mean(smoothL1(tf.sub(studentRelation, teacherRelation))) as tf.Scalar;
  });
}
