import * as tf from '@tensorflow/tfjs';
import { kdLoss } from './kd-loss';
import { softmaxCrossEntropy } from './softmax-cross-entropy';
import { checkLabels, checkRange, checkSameLogits, checkTemperature } from './validation';

/** Options of {@link distillationLoss}. */
export interface DistillationLossOptions {
  /** Softmax temperature T > 0 of the distillation term. */
  temperature: number;
  /** Weight α in [0, 1] of the distillation term; the hard-label term gets 1 − α. */
  alpha: number;
}

/**
 * The classic distillation objective of Hinton et al. 2015 (§2): a convex mix of the hard-label
 * cross-entropy and the temperature-scaled KL term,
 * `(1 − α) · CE(student, labels) + α · T² · KL(softmax(teacher / T) ‖ softmax(student / T))`,
 * both averaged over the batch. See {@link softmaxCrossEntropy} and {@link kdLoss}; no gradient
 * flows into the teacher.
 *
 * @param studentLogits `[batch, classes]`.
 * @param teacherLogits `[batch, classes]`, computed outside the gradient scope.
 * @param labels `[batch]` int32 class indices.
 * @returns A scalar, owned by the caller.
 * @throws InvalidArgumentError on mismatched shapes, T ≤ 0 or α outside [0, 1].
 */
export function distillationLoss(
  studentLogits: tf.Tensor2D,
  teacherLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  options: DistillationLossOptions,
): tf.Scalar {
  checkSameLogits(studentLogits, teacherLogits);
  checkLabels('labels', labels, studentLogits);
  checkTemperature(options.temperature);
  checkRange('alpha', options.alpha, 0, 1);
  const alpha = options.alpha;
  return tf.tidy(() => {
    const hard = softmaxCrossEntropy(studentLogits, labels);
    const soft = kdLoss(studentLogits, teacherLogits, { temperature: options.temperature });
    return tf.add(tf.mul(hard, 1 - alpha), tf.mul(soft, alpha)) as tf.Scalar;
  });
}
