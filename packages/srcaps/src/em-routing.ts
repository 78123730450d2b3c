import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { type CapsuleWindow, checkCapsuleWindow, unfoldCapsules } from './capsule-unfold';
import type { CapsuleGrid } from './self-routing';

/** Keeps `σ²` and the responsibilities' normaliser away from zero, as the reference's `eps`. */
const EM_EPSILON = 1e-8;

/** Weights of a convolutional EM-routing layer. */
export interface EmRoutingWeights {
  /** Pose matrices `W_ij`, `[k·k·A, B, m, m]` for `m × m` pose matrices (`C = m²`), rows `(ky·k + kx)·A + a`. */
  pose: tf.Tensor4D;
  /** Cost per pose dimension `β_u`, `[B]` (zero-initialised). */
  betaU: tf.Tensor1D;
  /** Activation threshold `β_a`, `[B]` (zero-initialised). */
  betaA: tf.Tensor1D;
}

/** Options of {@link emRouting2d}. */
export interface EmRoutingOptions extends CapsuleWindow {
  /** EM iterations (3 in the paper's baselines). */
  iterations: number;
  /** Inverse temperature after the schedule `λ_t = finalLambda · (1 − 0.95^(t+1))` (default 0.01). */
  finalLambda?: number;
}

/**
 * Matrix capsules with EM routing (Hinton, Sabour and Frosst, ICLR 2018), in the form of the
 * SR-CapsNet paper's EM baseline (`EmRouting2d` of its reference code): votes `V_ij = M_i W_ij`
 * of the k×k windows' pose matrices; the M-step fits a Gaussian per output capsule to the votes
 * weighted by `r_ij a_i` (`cost_j = Σ_h (β_u + log σ_jh) Σ_i r_ij a_i`,
 * `a_j = sigmoid(λ (β_a − cost_j))`), the E-step reassigns `r_ij ∝ a_j p_j(V_ij)`; responsibilities
 * start at 1, as in the reference.
 *
 * @param inputs activations `[b, H, W, A]`, poses `[b, H, W, A·m²]` (row-major `m × m` matrices).
 * @returns activations `[b, H', W', B]` (not normalised) and poses `[b, H', W', B·m²]` (the means `μ_j`).
 */
export function emRouting2d(inputs: CapsuleGrid, weights: EmRoutingWeights, options: EmRoutingOptions): { activations: tf.Tensor4D; poses: tf.Tensor4D } {
  const { activations, poses } = inputs;
  const [batch, height, width, types] = activations.shape;
  if (poses.rank !== 4 || poses.shape[0] !== batch || poses.shape[1] !== height || poses.shape[2] !== width || poses.shape[3] % types !== 0) {
    throw new InvalidArgumentError('inputs', `emRouting2d: poses [${poses.shape}] do not fit activations [${activations.shape}].`);
  }
  const size = poses.shape[3] / types;
  const matrix = Math.round(Math.sqrt(size));
  if (matrix * matrix !== size) {
    throw new InvalidArgumentError('inputs', `emRouting2d: EM routing needs square pose matrices; poses [${poses.shape}] give ${size} dimensions per capsule, not m² for an integer m.`);
  }
  const [outHeight, outWidth] = checkCapsuleWindow('emRouting2d', height, width, options);
  const rows = options.kernelSize * options.kernelSize * types;
  const { pose, betaU, betaA } = weights;
  if (pose.rank !== 4 || pose.shape[0] !== rows || pose.shape[2] !== matrix || pose.shape[3] !== matrix) {
    throw new InvalidArgumentError('weights.pose', `emRouting2d: pose weights [${pose.shape}] do not fit poses [${poses.shape}] (A = ${types}, kernel ${options.kernelSize}): expected [${rows}, B, ${matrix}, ${matrix}].`);
  }
  const outTypes = pose.shape[1];
  if (betaU.size !== outTypes || betaA.size !== outTypes) {
    throw new InvalidArgumentError('weights', `emRouting2d: betaU [${betaU.shape}] and betaA [${betaA.shape}] must have B = ${outTypes} entries.`);
  }
  if (!Number.isInteger(options.iterations) || options.iterations < 1) {
    throw new InvalidArgumentError('iterations', `emRouting2d: iterations must be a positive integer, got ${options.iterations}.`);
  }
  const finalLambda = options.finalLambda ?? 0.01;
  return tf.tidy(() => {
    const positions = batch * outHeight * outWidth;
    const { patches } = unfoldCapsules(poses, types, size, options);
    const { patches: inActivations } = unfoldCapsules(activations, types, 1, options); // [kkA, N, 1]
    // V_ij = M_i W_ij: [kkA, N·m, m] · [kkA, m, B·m] → [kkA, N, m, B, m] → [kkA, N, B, m²]
    const weightsByColumn = tf.reshape(tf.transpose(pose, [0, 2, 1, 3]), [rows, matrix, outTypes * matrix]);
    const product = tf.matMul(tf.reshape(patches, [rows, positions * matrix, matrix]), weightsByColumn);
    const votes = tf.reshape(tf.transpose(tf.reshape(product, [rows, positions, matrix, outTypes, matrix]), [0, 1, 3, 2, 4]), [rows, positions, outTypes, size]);
    let responsibilities: tf.Tensor = tf.ones([rows, positions, outTypes]);
    let outActivations: tf.Tensor = tf.zeros([positions, outTypes]);
    let mean: tf.Tensor = tf.zeros([1, positions, outTypes, size]);
    for (let iteration = 0; iteration < options.iterations; iteration += 1) {
      const lambda = finalLambda * (1 - 0.95 ** (iteration + 1));
      // M-step
      const weighted = tf.mul(responsibilities, inActivations); // [kkA, N, B]
      const weightedSum = tf.sum(weighted, 0); // [N, B]
      const coefficients = tf.expandDims(tf.div(weighted, tf.add(weightedSum, EM_EPSILON)), 3);
      mean = tf.sum(tf.mul(coefficients, votes), 0, true); // [1, N, B, m²]
      const deviation = tf.square(tf.sub(votes, mean));
      const variance = tf.add(tf.sum(tf.mul(coefficients, deviation), 0, true), EM_EPSILON); // [1, N, B, m²]
      const cost = tf.mul(tf.add(tf.reshape(betaU, [1, outTypes, 1]), tf.mul(0.5, tf.log(tf.squeeze(variance, [0])))), tf.expandDims(weightedSum, 2));
      outActivations = tf.sigmoid(tf.mul(lambda, tf.sub(betaA, tf.sum(cost, 2)))); // [N, B]
      if (iteration < options.iterations - 1) {
        // E-step: log p_j(V_ij) + log a_j, normalised over j
        const logDensity = tf.neg(tf.add(tf.mul(0.5, tf.sum(tf.log(tf.mul(2 * Math.PI, variance)), 3)), tf.sum(tf.div(deviation, tf.mul(2, variance)), 3)));
        responsibilities = tf.softmax(tf.add(logDensity, tf.log(tf.add(outActivations, EM_EPSILON))));
      }
    }
    return {
      activations: tf.reshape(outActivations, [batch, outHeight, outWidth, outTypes]) as tf.Tensor4D,
      poses: tf.reshape(mean, [batch, outHeight, outWidth, outTypes * size]) as tf.Tensor4D,
    };
  });
}
