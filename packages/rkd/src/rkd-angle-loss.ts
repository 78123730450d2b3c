import * as tf from '@tensorflow/tfjs';
import { assertRank, assertSameBatch } from './argument-checks';
import { l2Normalize } from './l2-normalize';
import { smoothL1 } from './smooth-l1';
import { stopGradient } from '@core/runtime';

/**
 * Cosines of the angles formed by every triplet of examples (`ψ_A` of RKD, Park et al. 2019, Eq. 6):
 * entry `[a, b, c]` is `u_ab · u_ac` with `u_ab = (e_b − e_a) / max(‖e_b − e_a‖, 1e-12)`. Degenerate
 * triplets (`b = a`, `c = a` or duplicate rows) have a zero vector and a cosine of 0.
 *
 * @param embeddings - `[batch, dimension]`.
 * @returns `[batch, batch, batch]`. Memory grows as `batch²·dimension` and `batch³`.
 */
export function tripletAngleCosines(embeddings: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const differences = tf.sub(tf.expandDims(embeddings, 0), tf.expandDims(embeddings, 1));
    const directions = l2Normalize(differences, 2) as tf.Tensor3D;
    return tf.matMul(directions, directions, false, true);
  });
}

/**
 * Angle-wise RKD loss (RKD-A, Park et al. 2019, Sec. 3.2.2, Eq. 6–7), as `RKdAngle` in the reference
 * code: the cosine of the angle at every vertex `a` of every triplet `(a, b, c)` of the batch, compared
 * between student and teacher with smooth-L1 (δ = 1) averaged over all `batch³` entries (degenerate
 * triplets count as zeros). The teacher side receives no gradient. The loss is invariant to scaling and
 * translating either side; widths may differ. A batch of one example gives 0.
 *
 * @param student - Student embeddings `[batch, studentDimension]`.
 * @param teacher - Teacher embeddings `[batch, teacherDimension]` for the same examples.
 * @returns Scalar loss.
 * @throws InvalidArgumentError when a tensor is not 2-D or the batch sizes differ.
 */
export function rkdAngleLoss(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
  assertRank(student, 2, 'student', 'rkdAngleLoss');
  assertRank(teacher, 2, 'teacher', 'rkdAngleLoss');
  assertSameBatch(student, teacher, 'rkdAngleLoss');
  return tf.tidy(() => {
    const teacherCosines = stopGradient(tripletAngleCosines(teacher));
    const studentCosines = tripletAngleCosines(student);
    return tf.mean(smoothL1(tf.sub(studentCosines, teacherCosines))) as tf.Scalar;
  });
}
