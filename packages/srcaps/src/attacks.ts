import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, type Rng } from '@core/runtime';

/** A classifier as the attacks see it: inputs → logits `[batch, classes]` (for capsule models, log class activations). */
export type LogitFunction = (inputs: tf.Tensor) => tf.Tensor;

/** Perturbation budget and valid input range of an attack. */
export interface AttackBounds {
  /** L∞ budget ε, in the model's input space. */
  epsilon: number;
  /** Lowest valid input value (e.g. the normalised value of a black pixel). */
  clipMin: number;
  /** Highest valid input value. */
  clipMax: number;
}

function checkBounds(name: string, options: AttackBounds): void {
  if (!(options.epsilon >= 0) || !Number.isFinite(options.epsilon)) {
    throw new InvalidArgumentError('epsilon', `${name}: epsilon must be a finite number ≥ 0, got ${options.epsilon}.`);
  }
  if (!(options.clipMin < options.clipMax)) {
    throw new InvalidArgumentError('clipMin', `${name}: clipMin must be below clipMax, got [${options.clipMin}, ${options.clipMax}].`);
  }
}

function checkLabels(name: string, inputs: tf.Tensor, labels: tf.Tensor1D, what = 'labels'): void {
  if (labels.rank !== 1 || labels.shape[0] !== inputs.shape[0]) {
    throw new InvalidArgumentError(what, `${name}: ${what} must be [batch] = [${inputs.shape[0]}] class indices, got [${labels.shape}].`);
  }
}

/** `sign(∇_x CE(model(x), labels))`, the mean softmax cross-entropy's input-gradient sign. */
function lossGradientSign(model: LogitFunction, inputs: tf.Tensor, labels: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const gradient = tf.grad((x: tf.Tensor) => {
      const logits = model(x) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]), logits);
    })(inputs);
    return tf.sign(gradient);
  });
}

/**
 * The fast gradient sign method (Goodfellow, Shlens and Szegedy 2015), untargeted:
 * `clip(x + ε · sign(∇_x CE(model(x), y)), clipMin, clipMax)`.
 *
 * @param model inputs → logits; for capsule models the log class activations (`srcaps:capsnet`'s output).
 * @param inputs `[batch, …]` in the model's input space.
 * @param labels `[batch]` true classes.
 * @returns adversarial inputs, the shape of `inputs` (caller owns).
 */
export function fgsm(model: LogitFunction, inputs: tf.Tensor, labels: tf.Tensor1D, options: AttackBounds): tf.Tensor {
  checkBounds('fgsm', options);
  checkLabels('fgsm', inputs, labels);
  return tf.tidy(() => tf.clipByValue(tf.add(inputs, tf.mul(options.epsilon, lossGradientSign(model, inputs, labels))), options.clipMin, options.clipMax));
}

/**
 * Targeted FGSM: one step down the cross-entropy of the target class,
 * `clip(x − ε · sign(∇_x CE(model(x), t)), clipMin, clipMax)`.
 */
export function targetedFgsm(model: LogitFunction, inputs: tf.Tensor, targets: tf.Tensor1D, options: AttackBounds): tf.Tensor {
  checkBounds('targetedFgsm', options);
  checkLabels('targetedFgsm', inputs, targets, 'targets');
  return tf.tidy(() => tf.clipByValue(tf.sub(inputs, tf.mul(options.epsilon, lossGradientSign(model, inputs, targets))), options.clipMin, options.clipMax));
}

/** Options of {@link iterativeAttack}. */
export interface IterativeAttackOptions extends AttackBounds {
  /** Gradient-sign steps (BIM: 10). */
  steps: number;
  /** Step size α (BIM: ε / steps). */
  stepSize: number;
  /** Target classes `[batch]`: descend their cross-entropy instead of ascending the true class's. */
  targets?: tf.Tensor1D;
  /** PGD: start from a uniform point of the ε-ball drawn from this generator (BIM starts at x). */
  randomStart?: Rng;
}

/**
 * The basic iterative method (Kurakin, Goodfellow and Bengio 2017) and, with `randomStart`,
 * projected gradient descent (Madry et al. 2018): `steps` FGSM steps of size α, each projected back
 * onto the L∞ ball of radius ε around `inputs` and clipped to `[clipMin, clipMax]`. Untargeted
 * (ascend CE of `labels`) or targeted (descend CE of `targets`).
 *
 * @returns adversarial inputs, the shape of `inputs` (caller owns).
 */
export function iterativeAttack(model: LogitFunction, inputs: tf.Tensor, labels: tf.Tensor1D, options: IterativeAttackOptions): tf.Tensor {
  checkBounds('iterativeAttack', options);
  checkLabels('iterativeAttack', inputs, labels);
  if (!Number.isInteger(options.steps) || options.steps < 1) throw new InvalidArgumentError('steps', `iterativeAttack: steps must be a positive integer, got ${options.steps}.`);
  if (!(options.stepSize > 0)) throw new InvalidArgumentError('stepSize', `iterativeAttack: stepSize must be positive, got ${options.stepSize}.`);
  if (options.targets !== undefined) checkLabels('iterativeAttack', inputs, options.targets, 'targets');
  const { epsilon, clipMin, clipMax } = options;
  const direction = options.targets === undefined ? 1 : -1;
  const classes = options.targets ?? labels;
  const lower = tf.tidy(() => tf.maximum(tf.sub(inputs, epsilon), clipMin));
  const upper = tf.tidy(() => tf.minimum(tf.add(inputs, epsilon), clipMax));
  try {
    let current = tf.tidy(() => {
      if (options.randomStart === undefined) return tf.clone(inputs);
      const rng = options.randomStart;
      const noise = Float32Array.from({ length: inputs.size }, () => (2 * rng.next() - 1) * epsilon);
      return tf.minimum(tf.maximum(tf.add(inputs, tf.tensor(noise, inputs.shape)), lower), upper);
    });
    for (let step = 0; step < options.steps; step += 1) {
      const next = tf.tidy(() => {
        const moved = tf.add(current, tf.mul(direction * options.stepSize, lossGradientSign(model, current, classes)));
        return tf.minimum(tf.maximum(moved, lower), upper);
      });
      current.dispose();
      current = next;
    }
    return current;
  } finally {
    lower.dispose();
    upper.dispose();
  }
}

/** What {@link attackSuccess} counts. */
export interface AttackSuccess {
  /** Examples the model classified correctly before the attack (the denominator). */
  correct: number;
  /** Of those, examples the attack succeeded on. */
  succeeded: number;
  /** Per example: correct before the attack. */
  correctMask: boolean[];
  /** Per example: the prediction after the attack. */
  predictions: number[];
}

/**
 * Counts attack successes on the examples the model classified correctly (the paper's metric):
 * untargeted, an adversarial prediction other than the label; targeted, the target class.
 *
 * @param cleanPredictions `[batch]` predictions on the clean inputs.
 * @param adversarialPredictions `[batch]` predictions on the attacked inputs.
 */
export function attackSuccess(labels: ArrayLike<number>, cleanPredictions: ArrayLike<number>, adversarialPredictions: ArrayLike<number>, targets?: ArrayLike<number>): AttackSuccess {
  const correctMask: boolean[] = [];
  let correct = 0;
  let succeeded = 0;
  for (let index = 0; index < labels.length; index += 1) {
    const isCorrect = cleanPredictions[index] === labels[index];
    correctMask.push(isCorrect);
    if (!isCorrect) continue;
    correct += 1;
    const prediction = adversarialPredictions[index];
    if (targets === undefined ? prediction !== labels[index] : prediction === targets[index]) succeeded += 1;
  }
  return { correct, succeeded, correctMask, predictions: Array.from(adversarialPredictions) };
}
