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

/**
 * Runs `compute(input)` as one opaque operation whose gradient with respect to `input` is zero.
 * Comparisons (`greater`, `less`) have no gradient in tfjs, so masks and counts derived from a
 * differentiated tensor go through here instead of the gradient tape.
 *
 * @param input The tensor `compute` reads.
 * @param compute Pure tensor function of `input`.
 * @returns The output of `compute`; the caller owns it.
 */
export function withoutGradient<Input extends tf.Tensor, Output extends tf.Tensor>(input: Input, compute: (input: Input) => Output): Output {
  const opaque = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const tensor = inputs[0] as Input;
    return { value: compute(tensor), gradFunc: () => tf.zerosLike(tensor) };
  });
  return opaque(input) as Output;
}
