import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { type CapsuleWindow, checkCapsuleWindow, unfoldCapsules } from './capsule-unfold';

/** Inside the square root of `‖s‖` only, so that a zero vector squashes to zero without NaN gradients. */
const SQUASH_EPSILON = 1e-12;

/**
 * The squashing non-linearity of Sabour et al. 2017 (Eq. 1): `v = ‖s‖² / (1 + ‖s‖²) · s / ‖s‖`
 * along `axis` (default the last): short vectors shrink to almost zero, long ones to just below 1.
 */
export function squash<T extends tf.Tensor>(vectors: T, axis = -1): T {
  return tf.tidy(() => {
    const squaredNorm = tf.sum(tf.square(vectors), axis, true);
    const scale = tf.div(squaredNorm, tf.mul(tf.add(squaredNorm, 1), tf.sqrt(tf.add(squaredNorm, SQUASH_EPSILON))));
    return tf.mul(vectors, scale) as T;
  });
}

/**
 * Routing by agreement (Sabour, Frosst and Hinton 2017, Procedure 1): logits `b_ij` start at 0;
 * each iteration takes `c_ij = softmax_j(b_ij)`, `s_j = Σ_i c_ij û_j|i`, `v_j = squash(s_j)` and,
 * except after the last, adds the agreement `û_j|i · v_j` to `b_ij`. Gradients flow through every
 * iteration, as in the SR-CapsNet reference code.
 *
 * @param predictions `[b, inCaps, outCaps, D]`: the votes `û_j|i`.
 * @param iterations at least 1 (the paper's baselines use 3).
 * @returns `[b, outCaps, D]`: the output capsules `v_j`, each of length below 1.
 */
export function dynamicRouting(predictions: tf.Tensor4D, iterations: number): tf.Tensor3D {
  if (predictions.rank !== 4) {
    throw new InvalidArgumentError('predictions', `dynamicRouting: predictions must be [b, inCaps, outCaps, D], got [${predictions.shape}].`);
  }
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new InvalidArgumentError('iterations', `dynamicRouting: iterations must be a positive integer, got ${iterations}.`);
  }
  return tf.tidy(() => {
    const [batch, inCaps, outCaps] = predictions.shape;
    let logits: tf.Tensor3D = tf.zeros([batch, inCaps, outCaps]);
    let outputs: tf.Tensor3D | undefined;
    for (let iteration = 0; iteration < iterations; iteration += 1) {
      const coefficients = tf.softmax(logits);
      outputs = squash(tf.sum(tf.mul(tf.expandDims(coefficients, 3), predictions), 1) as tf.Tensor3D);
      if (iteration < iterations - 1) logits = tf.add(logits, tf.sum(tf.mul(predictions, tf.expandDims(outputs, 1)), 3));
    }
    return outputs as tf.Tensor3D;
  });
}

/** Weights of a convolutional dynamic-routing layer. */
export interface DynamicRoutingWeights {
  /** Pose transforms `[k·k·A, B·D, C]`, rows `(ky·k + kx)·A + a`. */
  pose: tf.Tensor3D;
}

/**
 * A convolutional capsule layer with dynamic routing (the SR-CapsNet paper's DR baseline,
 * `DynamicRouting2d` of the reference code): the k×k windows of input poses `[b, H, W, A·C]` vote
 * with `û_j|i = W_ij u_i`, and {@link dynamicRouting} combines the votes of each window.
 *
 * @param options the window, `types` A of the input, `capsules` B of the output, routing `iterations`.
 * @returns output poses `[b, H', W', B·D]` (channel `j·D + d`); their lengths are the activations.
 */
export function dynamicRouting2d(poses: tf.Tensor4D, weights: DynamicRoutingWeights, options: CapsuleWindow & { types: number; capsules: number; iterations: number }): tf.Tensor4D {
  const [batch, height, width, channels] = poses.shape;
  const { types } = options;
  if (!Number.isInteger(types) || types < 1 || channels % types !== 0) {
    throw new InvalidArgumentError('poses', `dynamicRouting2d: poses [${poses.shape}] do not split into ${types} capsule types.`);
  }
  const inSize = channels / types;
  const [outHeight, outWidth] = checkCapsuleWindow('dynamicRouting2d', height, width, options);
  const rows = options.kernelSize * options.kernelSize * types;
  const { pose } = weights;
  if (pose.rank !== 3 || pose.shape[0] !== rows || pose.shape[2] !== inSize || pose.shape[1] % options.capsules !== 0) {
    throw new InvalidArgumentError('weights.pose', `dynamicRouting2d: pose weights [${pose.shape}] do not fit poses [${poses.shape}] (A = ${types}, kernel ${options.kernelSize}, B = ${options.capsules}): expected [${rows}, ${options.capsules}·D, ${inSize}].`);
  }
  return tf.tidy(() => {
    const { patches } = unfoldCapsules(poses, types, inSize, options);
    const positions = batch * outHeight * outWidth;
    const votes = tf.matMul(patches, pose, false, true); // [kkA, N, B·D]
    const outChannels = pose.shape[1];
    const predictions = tf.transpose(tf.reshape(votes, [rows, positions, options.capsules, outChannels / options.capsules]), [1, 0, 2, 3]) as tf.Tensor4D;
    return tf.reshape(dynamicRouting(predictions, options.iterations), [batch, outHeight, outWidth, outChannels]) as tf.Tensor4D;
  });
}
