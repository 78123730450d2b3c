import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { createSlottedOptimizer, type Optimizer } from './optimizer';

/** Options of {@link createAdam}. */
export interface AdamOptions {
  /** Step size (finite, ≥ 0). */
  learningRate: number;
  /** Decay of the first-moment estimate, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the denominator for numerical stability, > 0. Default 1e-8. */
  epsilon?: number;
  /** Weight decay λ ≥ 0: an L2 term in the gradient, or decoupled decay with `decoupled`. Default 0. */
  weightDecay?: number;
  /** Decoupled weight decay (AdamW, Loshchilov and Hutter 2019): `θ = θ·(1 − lr·λ)` before the Adam step. Default false. */
  decoupled?: boolean;
}

function checkOpenUnit(argument: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    throw new InvalidArgumentError(argument, `${argument} must be a number in [0, 1), got ${value}`);
  }
}

/**
 * Adam (Kingma and Ba 2015, Algorithm 1) with PyTorch `torch.optim.Adam`/`AdamW` semantics:
 * `g = ∇ (+ λθ unless decoupled)`, `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`, and
 * `θ = θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)`, where t counts the optimiser's updates.
 * With `decoupled`, `θ = θ·(1 − lr·λ)` first (AdamW).
 *
 * Unlike PyTorch, which counts steps per parameter, t is one count for the optimiser; the two
 * agree whenever every variable gets a gradient at every update.
 *
 * Slots: `m/<variable name>` and `v/<variable name>`.
 *
 * @throws InvalidArgumentError on an out-of-range option.
 */
export function createAdam(options: AdamOptions): Optimizer {
  const beta1 = options.beta1 ?? 0.9;
  const beta2 = options.beta2 ?? 0.999;
  const epsilon = options.epsilon ?? 1e-8;
  const weightDecay = options.weightDecay ?? 0;
  const decoupled = options.decoupled ?? false;
  checkOpenUnit('beta1', beta1);
  checkOpenUnit('beta2', beta2);
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new InvalidArgumentError('epsilon', `epsilon must be a finite number above 0, got ${epsilon}`);
  }
  if (!Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new InvalidArgumentError('weightDecay', `weightDecay must be a finite number ≥ 0, got ${weightDecay}`);
  }
  return createSlottedOptimizer({
    name: decoupled ? 'adamw' : 'adam',
    learningRate: options.learningRate,
    slotNames: ['m', 'v'],
    update: ({ variable, gradient, slots, iteration, learningRate }) => {
      let parameters: tf.Tensor = variable;
      let direction: tf.Tensor = gradient;
      if (weightDecay > 0) {
        if (decoupled) parameters = tf.mul(variable, 1 - learningRate * weightDecay);
        else direction = tf.add(gradient, tf.mul(variable, weightDecay));
      }
      const firstMoment = slots.m === undefined ? tf.mul(direction, 1 - beta1) : tf.add(tf.mul(slots.m, beta1), tf.mul(direction, 1 - beta1));
      const secondMoment =
        slots.v === undefined ? tf.mul(tf.square(direction), 1 - beta2) : tf.add(tf.mul(slots.v, beta2), tf.mul(tf.square(direction), 1 - beta2));
      const firstCorrection = 1 - beta1 ** iteration;
      const secondCorrection = 1 - beta2 ** iteration;
      const denominator = tf.add(tf.div(tf.sqrt(secondMoment), Math.sqrt(secondCorrection)), epsilon);
      const step = tf.mul(tf.div(firstMoment, denominator), learningRate / firstCorrection);
      return { value: tf.sub(parameters, step), slots: { m: firstMoment, v: secondMoment } };
    },
  });
}
