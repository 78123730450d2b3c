import * as tf from '@tensorflow/tfjs';

/** Smallest norm used as a divisor: `x / max(‖x‖, 1e-12)`, as PyTorch's `F.normalize`. */
const normEpsilon = 1e-12;

/**
 * Divides `tensor` by its Euclidean norm along `axis`, with the norm clamped at 1e-12, so a zero
 * vector normalises to the zero vector (not NaN) and its gradient stays finite. The clamp is applied
 * to the squared norm (at 1e-24) before the square root, because the gradient of `sqrt` at 0 is
 * infinite and `0 · ∞` would poison the backward pass.
 *
 * @param tensor - Any float tensor.
 * @param axis - Axis of the vectors (default: the last one).
 * @returns A tensor of the same shape whose vectors along `axis` have norm 1 or 0.
 */
export function l2Normalize<T extends tf.Tensor>(tensor: T, axis = -1): T {
  return tf.tidy(() => {
    const squaredNorm = tf.sum(tf.square(tensor), axis, true);
    const norm = tf.sqrt(tf.maximum(squaredNorm, normEpsilon * normEpsilon));
    return tf.div(tensor, norm) as T;
  });
}
