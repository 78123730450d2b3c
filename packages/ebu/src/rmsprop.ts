import * as tf from '@tensorflow/tfjs';
import { createSlottedOptimizer, InvalidArgumentError, type Optimizer } from '@core/runtime';

/** Options of {@link createRmsProp}. */
export interface RmsPropOptions {
  learningRate: number;
  /** Decay ρ of the running averages, in [0, 1) (DQN: 0.95). */
  rho?: number;
  /** Added inside the square root (DQN: 0.01). */
  epsilon?: number;
  /** Centred (DeepMind's variant, the default): divide by √(E[g²] − E[g]² + ε). */
  centered?: boolean;
}

/**
 * RMSProp as the DQN and EBU reference code use it (DeepMind's centred variant):
 * `a = ρa + (1−ρ)g`, `s = ρs + (1−ρ)g²`, `θ = θ − lr·g / √(s − a² + ε)`. Slots `a/…` and `s/…`.
 */
export function createRmsProp(options: RmsPropOptions): Optimizer {
  const rho = options.rho ?? 0.95;
  const epsilon = options.epsilon ?? 0.01;
  const centered = options.centered ?? true;
  if (!(rho >= 0 && rho < 1)) throw new InvalidArgumentError('rho', `rho must be in [0, 1), got ${rho}`);
  if (!(epsilon > 0)) throw new InvalidArgumentError('epsilon', `epsilon must be above 0, got ${epsilon}`);
  return createSlottedOptimizer({
    name: 'rmsprop',
    learningRate: options.learningRate,
    slotNames: ['a', 's'],
    update: ({ variable, gradient, slots, learningRate }) => {
      const mean = tf.add(tf.mul(slots.a ?? tf.zerosLike(variable), rho), tf.mul(gradient, 1 - rho));
      const square = tf.add(tf.mul(slots.s ?? tf.zerosLike(variable), rho), tf.mul(tf.square(gradient), 1 - rho));
      const variance = centered ? tf.sub(square, tf.square(mean)) : square;
      const value = tf.sub(variable, tf.mul(learningRate, tf.div(gradient, tf.sqrt(tf.add(variance, epsilon)))));
      return { value, slots: { a: mean, s: square } };
    },
  });
}
