import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-core 4.22's engine state that hold the gradient tape. */
interface TapeState {
  gradientDepth: number;
  activeTape: Array<{ saved?: tf.Tensor[] }> | null;
}

/**
 * `tf.variableGrads(f, variables)`, except that when `f` throws, the tensors the tape saved for the
 * backward pass are released. tfjs keeps them (`tf.keep`) until the backward pass frees them, and a
 * throwing `f` never reaches it, so every failed forward pass (a loss that rejects its input, a NaN
 * check) would leak them. Only the outermost tape is cleaned; nested gradients are left to their caller.
 */
export function variableGradsReleasingTape(f: () => tf.Scalar, variables: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(f, variables);
  } catch (error) {
    const state = (tf.engine() as unknown as { state: TapeState }).state;
    if (state.gradientDepth === 0 && state.activeTape != null) {
      for (const node of state.activeTape) for (const tensor of node.saved ?? []) tensor.dispose();
      state.activeTape = null;
    }
    throw error;
  }
}
