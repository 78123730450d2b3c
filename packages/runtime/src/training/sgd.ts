import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { createSlottedOptimizer, type Optimizer, type VariableUpdate } from './optimizer';

/** Options of {@link createSgd}. */
export interface SgdOptions {
  /** Step size (finite, ≥ 0). */
  learningRate: number;
  /** Momentum factor μ in [0, 1). Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (Sutskever et al. 2013, in PyTorch's formulation); needs momentum > 0. Default false. */
  nesterov?: boolean;
  /** L2 penalty λ ≥ 0 added to the gradient (`g + λ·θ`), as PyTorch's `weight_decay`. Default 0. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent with PyTorch `torch.optim.SGD` semantics (dampening 0):
 * `g = ∇ + λθ`; with momentum `b = μ·b + g` (`b = g` at the first update); the step direction is
 * `g + μ·b` with Nesterov, `b` without; then `θ = θ − lr · direction`.
 *
 * Slot: `momentum/<variable name>` (only when momentum > 0).
 *
 * @throws InvalidArgumentError on an out-of-range option or Nesterov without momentum.
 */
export function createSgd(options: SgdOptions): Optimizer {
  const momentum = options.momentum ?? 0;
  const nesterov = options.nesterov ?? false;
  const weightDecay = options.weightDecay ?? 0;
  if (!Number.isFinite(momentum) || momentum < 0 || momentum >= 1) {
    throw new InvalidArgumentError('momentum', `momentum must be a number in [0, 1), got ${momentum}`);
  }
  if (nesterov && momentum === 0) {
    throw new InvalidArgumentError('nesterov', 'Nesterov momentum needs momentum > 0');
  }
  if (!Number.isFinite(weightDecay) || weightDecay < 0) {
    throw new InvalidArgumentError('weightDecay', `weightDecay must be a finite number ≥ 0, got ${weightDecay}`);
  }
  return createSlottedOptimizer({
    name: 'sgd',
    learningRate: options.learningRate,
    slotNames: momentum > 0 ? ['momentum'] : [],
    update: ({ variable, gradient, slots, learningRate }): VariableUpdate => {
      const decayed = weightDecay > 0 ? tf.add(gradient, tf.mul(variable, weightDecay)) : gradient;
      if (momentum === 0) {
        return { value: tf.sub(variable, tf.mul(decayed, learningRate)), slots: {} };
      }
      const previous = slots.momentum;
      // A fresh tensor even at the first update: the slot must not alias the caller's gradient.
      const buffer = previous === undefined ? tf.clone(decayed) : tf.add(tf.mul(previous, momentum), decayed);
      const direction = nesterov ? tf.add(decayed, tf.mul(buffer, momentum)) : buffer;
      return { value: tf.sub(variable, tf.mul(direction, learningRate)), slots: { momentum: buffer } };
    },
  });
}
