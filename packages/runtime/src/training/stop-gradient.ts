import * as tf from '@tensorflow/tfjs';

/**
 * Returns `x` unchanged in the forward pass and a zero gradient in the backward pass, like
 * TensorFlow's `tf.stop_gradient` (which TensorFlow.js 4.22 lacks). Used for targets such as a
 * teacher's output, so no gradient reaches whatever produced them even when they were computed
 * inside the gradient scope.
 *
 * The result is a new tensor owned by the caller (or by the enclosing `tf.tidy`).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  // Built per call rather than at module load: importing this module must not touch the engine.
  const identityWithoutGradient = tf.customGrad((...inputs) => ({
    value: (inputs[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return identityWithoutGradient(x) as T;
}
