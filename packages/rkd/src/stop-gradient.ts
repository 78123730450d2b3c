import * as tf from '@tensorflow/tfjs';

/**
 * Runs `compute(input)` as one opaque operation whose gradient with respect to `input` is zero.
 * Comparisons (`greater`, `less`) have no gradient in tfjs, so masks and counts derived from a
 * differentiated tensor go through here instead of the gradient tape.
 *
 * @param input - The tensor `compute` reads.
 * @param compute - Pure tensor function of `input`.
 * @returns The output of `compute`; the caller owns it.
 */
export function withoutGradient<Input extends tf.Tensor, Output extends tf.Tensor>(
  input: Input,
  compute: (input: Input) => Output,
): Output {
  const opaque = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const tensor = inputs[0] as Input;
    return { value: compute(tensor), gradFunc: () => tf.zerosLike(tensor) };
  });
  return opaque(input) as Output;
}

/**
 * Identity in the forward pass, zero gradient in the backward pass (PyTorch's `detach()`). The
 * teacher side of every distillation loss goes through it, so a teacher that happens to depend on
 * trained variables still receives no update from the loss.
 *
 * @param tensor - Any tensor.
 * @returns A new tensor with the same values; the caller owns it.
 */
export function stopGradient<T extends tf.Tensor>(tensor: T): T {
  return withoutGradient(tensor, (input) => input.clone());
}
