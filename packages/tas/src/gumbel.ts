import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@core/runtime';

/** Options of {@link searchTemperature}. */
export interface TemperatureOptions {
  /** Starting temperature τ_max (default 5, `search-shape-cifar.sh`). */
  max?: number;
  /** Final temperature τ_min (default 0.1). */
  min?: number;
}

/**
 * The Gumbel-softmax temperature of epoch `epoch` (0-based) of `epochs`: cosine decay
 * `τ = τ_min + (τ_max − τ_min)(1 + cos(π e / (E − 1)))/2` from τ_max at the first epoch to exactly
 * τ_min at the last (Dong and Yang 2019, §3.2; the reference's cosine schedule, 5 → 0.1).
 */
export function searchTemperature(epoch: number, epochs: number, options: TemperatureOptions = {}): number {
  const max = options.max ?? 5;
  const min = options.min ?? 0.1;
  if (epochs <= 1) return max;
  const progress = Math.min(1, Math.max(0, epoch / (epochs - 1)));
  return min + ((max - min) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** A standard Gumbel(0, 1) sample `−log(−log u)` from the generator (u clamped away from 0 and 1). */
export function gumbelSample(rng: Rng): number {
  const uniform = Math.min(Math.max(rng.next(), 1e-10), 1 - 1e-10);
  return -Math.log(-Math.log(uniform));
}

function logSoftmaxValues(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const logSum = Math.log(values.reduce((sum, value) => sum + Math.exp(value - max), 0)) + max;
  return values.map((value) => value - logSum);
}

function softmaxValues(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

function sampleIndex(probabilities: readonly number[], rng: Rng): number {
  const total = probabilities.reduce((a, b) => a + b, 0);
  let threshold = rng.next() * total;
  for (let index = 0; index < probabilities.length; index += 1) {
    threshold -= probabilities[index];
    if (threshold < 0) return index;
  }
  return probabilities.length - 1;
}

/** Result of {@link sampleTopTwo}. */
export interface TopTwoSample {
  /** The sampled candidate indices (one when there is a single candidate). */
  indices: number[];
  /** Their weights, `softmax(z[j1], z[j2])` of the perturbed logits: differentiable in `logits`. */
  weights: tf.Tensor1D;
}

/**
 * TAS's width sampling (Dong and Yang 2019, eq. 4–5; `select2withP` of the reference): Gumbel
 * noise `g`, perturbed logits `z = (log_softmax(α) + g)/τ`, `p̂ = softmax(z)`; two distinct
 * candidates drawn from `p̂ + 1e-7` without replacement (no gradient), weighted by the softmax of
 * their two perturbed logits (the gradient reaches α only through these).
 *
 * @param logits `[k]` architecture logits (a variable; the returned weights depend on it).
 * @param values The same logits as numbers (read once per forward pass, not per conv).
 */
export function sampleTopTwo(logits: tf.Tensor1D, values: readonly number[], temperature: number, rng: Rng): TopTwoSample {
  if (values.length === 1) return { indices: [0], weights: tf.ones([1]) as tf.Tensor1D };
  const noise = values.map(() => gumbelSample(rng));
  const perturbed = logSoftmaxValues(values).map((value, index) => (value + noise[index]) / temperature);
  const probabilities = softmaxValues(perturbed).map((value) => value + 1e-7);
  const first = sampleIndex(probabilities, rng);
  const second = sampleIndex(probabilities.map((value, index) => (index === first ? 0 : value)), rng);
  const indices = [first, second];
  const weights = tf.tidy(() => {
    const z = tf.div(tf.add(tf.logSoftmax(logits), tf.tensor1d(noise)), temperature);
    return tf.softmax(tf.gather(z, tf.tensor1d(indices, 'int32'))) as tf.Tensor1D;
  });
  return { indices, weights };
}

/**
 * The full Gumbel-softmax over all candidates, `softmax((log_softmax(β) + g)/τ)`, used for the depth
 * mixture (Dong and Yang 2019, eq. 6): `[k]` weights summing to 1, differentiable in `logits`.
 */
export function gumbelSoftmax(logits: tf.Tensor1D, temperature: number, rng: Rng): tf.Tensor1D {
  const noise = Array.from({ length: logits.shape[0] }, () => gumbelSample(rng));
  return tf.tidy(() => tf.softmax(tf.div(tf.add(tf.logSoftmax(logits), tf.tensor1d(noise)), temperature)) as tf.Tensor1D);
}

/**
 * Mixes candidate outputs with weights: `Σ_i w_i · outputs_i` (outputs already aligned to one shape).
 * Used for the two sampled widths of a conv and for the depth candidates of a stage.
 */
export function weightedMixture(outputs: readonly tf.Tensor[], weights: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const parts = tf.unstack(weights);
    return tf.addN(outputs.map((output, index) => tf.mul(output, parts[index])));
  });
}
