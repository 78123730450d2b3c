import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { type CapsuleWindow, checkCapsuleWindow, unfoldCapsules } from './capsule-unfold';

/**
 * Added to the two denominators of self-routing (`Σ a_i` and `Σ a_i c_ij`) only so that a window
 * whose activations are all zero gives 0 instead of 0/0. At 1e-8 it changes no float32 sum of
 * sigmoid activations.
 */
export const SELF_ROUTING_EPSILON = 1e-8;

/** Capsules of one layer on a grid: activations and poses. */
export interface CapsuleGrid {
  /** `[b, H, W, A]`, each in [0, 1]. */
  activations: tf.Tensor4D;
  /** `[b, H, W, A·C]`, channel `a·C + c` (type-major). */
  poses: tf.Tensor4D;
}

/** Weights of one self-routing layer; rows are indexed `(ky·k + kx)·A + a`. */
export interface SelfRoutingWeights {
  /** Pose transforms `W_pose`, `[k·k·A, B·D, C]`; leave out for a class layer (no output poses). */
  pose?: tf.Tensor3D;
  /** Routing weights `W_route`, `[k·k·A, B, C]` (zero-initialised). */
  route: tf.Tensor3D;
  /** Routing biases `b_route`, `[k·k·A, B]` (zero-initialised). */
  routeBias: tf.Tensor2D;
}

/** What {@link selfRouting2d} returns. */
export interface SelfRoutingOutput {
  /** `[b, H', W', B]`; over `B` they sum to 1 wherever some input activation is positive. */
  activations: tf.Tensor4D;
  /** `[b, H', W', B·D]`, channel `j·D + d`; absent without `weights.pose`. */
  poses?: tf.Tensor4D;
}

interface SelfRoutingShapes {
  types: number;
  inSize: number;
  outTypes: number;
  outSize: number;
  rows: number;
}

function checkShapes(inputs: CapsuleGrid, weights: SelfRoutingWeights, window: CapsuleWindow): SelfRoutingShapes {
  const { activations, poses } = inputs;
  if (activations.rank !== 4 || poses.rank !== 4) {
    throw new InvalidArgumentError('inputs', `selfRouting2d: activations and poses must be [b, H, W, …], got [${activations.shape}] and [${poses.shape}].`);
  }
  const [batch, height, width, types] = activations.shape;
  if (poses.shape[0] !== batch || poses.shape[1] !== height || poses.shape[2] !== width || poses.shape[3] % types !== 0) {
    throw new InvalidArgumentError(
      'inputs',
      `selfRouting2d: poses [${poses.shape}] do not fit activations [${activations.shape}]: poses need the same batch and grid and A·C channels for A = ${types} capsule types.`,
    );
  }
  const inSize = poses.shape[3] / types;
  checkCapsuleWindow('selfRouting2d', height, width, window);
  const rows = window.kernelSize * window.kernelSize * types;
  const { route, routeBias, pose } = weights;
  if (route.rank !== 3 || route.shape[0] !== rows || route.shape[2] !== inSize) {
    throw new InvalidArgumentError(
      'weights.route',
      `selfRouting2d: route weights [${route.shape}] do not fit the previous layer (A = ${types} types of C = ${inSize} dimensions, kernel ${window.kernelSize}): expected [${rows}, B, ${inSize}].`,
    );
  }
  const outTypes = route.shape[1];
  if (routeBias.rank !== 2 || routeBias.shape[0] !== rows || routeBias.shape[1] !== outTypes) {
    throw new InvalidArgumentError('weights.routeBias', `selfRouting2d: route bias [${routeBias.shape}] does not fit route weights [${route.shape}]: expected [${rows}, ${outTypes}].`);
  }
  let outSize = 0;
  if (pose !== undefined) {
    if (pose.rank !== 3 || pose.shape[0] !== rows || pose.shape[2] !== inSize || pose.shape[1] % outTypes !== 0) {
      throw new InvalidArgumentError(
        'weights.pose',
        `selfRouting2d: pose weights [${pose.shape}] do not fit the previous layer and the route weights [${route.shape}]: expected [${rows}, ${outTypes}·D, ${inSize}].`,
      );
    }
    outSize = pose.shape[1] / outTypes;
  }
  return { types, inSize, outTypes, outSize, rows };
}

/**
 * Routing coefficients `c_ij = softmax_j(W_route_i u_i + b_route_i)` of every input capsule of
 * every window, computed from the input poses alone (Hahn et al. 2019, Eq. 1).
 *
 * @returns `{ coefficients: [k·k·A, b·H'·W', B], activations: [k·k·A, b·H'·W', 1] }` (the
 *   unfolded input activations), plus the unfolded poses `[k·k·A, b·H'·W', C]`.
 */
export function selfRoutingCoefficients(
  inputs: CapsuleGrid,
  weights: SelfRoutingWeights,
  window: CapsuleWindow,
): { coefficients: tf.Tensor3D; activations: tf.Tensor3D; poses: tf.Tensor3D; outHeight: number; outWidth: number } {
  const { types, inSize, outTypes, rows } = checkShapes(inputs, weights, window);
  return tf.tidy(() => {
    const { patches: poses, outHeight, outWidth } = unfoldCapsules(inputs.poses, types, inSize, window);
    const { patches: activations } = unfoldCapsules(inputs.activations, types, 1, window);
    // [kkA, N, C] · [kkA, C, B] → [kkA, N, B]
    const logits = tf.add(tf.matMul(poses, weights.route, false, true), tf.reshape(weights.routeBias, [rows, 1, outTypes]));
    return { coefficients: tf.softmax(logits) as tf.Tensor3D, activations, poses, outHeight, outWidth };
  });
}

/**
 * Self-routing between two convolutional capsule layers (Hahn, Pyeon and Kim, NeurIPS 2019, Sec. 3):
 * every input capsule `i` of a k×k window routes itself with its own linear layer,
 * `c_ij = softmax_j(W_route_i u_i + b_route_i)`; predictions are `û_j|i = W_pose_ij u_i`; then
 *
 * - `a_j = Σ_i a_i c_ij / Σ_i a_i`
 * - `u_j = Σ_i a_i c_ij û_j|i / Σ_i a_i c_ij`
 *
 * with {@link SELF_ROUTING_EPSILON} in both denominators. Weights are shared across positions and
 * distinct per (kernel offset, input type). The fully connected form is the 1×1 grid with
 * `kernelSize` 1; the class layer has a kernel covering the grid, padding 0 and no `pose` weights.
 * No normalisation of poses happens here (the models put batch normalisation around the layer).
 *
 * @param inputs activations `[b, H, W, A]` and poses `[b, H, W, A·C]` (channel `a·C + c`).
 * @param weights `pose` `[k·k·A, B·D, C]` (optional), `route` `[k·k·A, B, C]`, `routeBias` `[k·k·A, B]`.
 * @returns activations `[b, H', W', B]` and, with `weights.pose`, poses `[b, H', W', B·D]` (channel `j·D + d`).
 * @throws InvalidArgumentError when the weights do not fit the inputs (naming both shapes) or the kernel does not fit the grid.
 */
export function selfRouting2d(inputs: CapsuleGrid, weights: SelfRoutingWeights, options: CapsuleWindow): SelfRoutingOutput {
  const { outTypes, outSize, rows } = checkShapes(inputs, weights, options);
  const batch = inputs.activations.shape[0];
  return tf.tidy(() => {
    const routed = selfRoutingCoefficients(inputs, weights, options);
    const { outHeight, outWidth } = routed;
    const positions = batch * outHeight * outWidth;
    // a_i c_ij: [kkA, N, B]
    const weighted = tf.mul(routed.activations, routed.coefficients);
    const weightedSum = tf.sum(weighted, 0);
    const activationSum = tf.sum(routed.activations, 0);
    const activations = tf.reshape(tf.div(weightedSum, tf.add(activationSum, SELF_ROUTING_EPSILON)), [batch, outHeight, outWidth, outTypes]) as tf.Tensor4D;
    if (weights.pose === undefined) return { activations };
    // û: [kkA, N, C] · [kkA, C, B·D] → [kkA, N, B, D]
    const predictions = tf.reshape(tf.matMul(routed.poses, weights.pose, false, true), [rows, positions, outTypes, outSize]);
    const poseSum = tf.sum(tf.mul(tf.expandDims(weighted, 3), predictions), 0);
    const poses = tf.reshape(tf.div(poseSum, tf.expandDims(tf.add(weightedSum, SELF_ROUTING_EPSILON), 2)), [batch, outHeight, outWidth, outTypes * outSize]) as tf.Tensor4D;
    return { activations, poses };
  });
}
