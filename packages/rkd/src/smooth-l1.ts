import * as tf from '@tensorflow/tfjs';

/**
 * Element-wise smooth-L1 (Huber with δ = 1), as PyTorch's `F.smooth_l1_loss` before reduction:
 * `0.5·x²` where `|x| < 1`, else `|x| − 0.5`. Written as `0.5·q² + (|x| − q)` with `q = min(|x|, 1)`
 * because comparisons have no gradient in tfjs; the gradient at 0 is 0.
 *
 * @param difference - Any float tensor of differences `input − target`.
 * @returns A tensor of the same shape.
 */
export function smoothL1(difference: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const absolute = tf.abs(difference);
    const quadraticPart = tf.minimum(absolute, 1);
    return tf.add(tf.mul(tf.square(quadraticPart), 0.5), tf.sub(absolute, quadraticPart));
  });
}
