import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './stop-gradient';
import { checkSameLogits, checkTemperature } from './validation';

/** Options of {@link kdLoss}. */
export interface KdLossOptions {
  /** Softmax temperature T > 0; higher values soften both distributions. */
  temperature: number;
}

/**
 * Knowledge-distillation loss of Hinton, Vinyals and Dean 2015 ("Distilling the Knowledge in a
 * Neural Network", §2): `T² · mean_b KL(softmax(teacher[b] / T) ‖ softmax(student[b] / T))`, the KL
 * divergence summed over classes and averaged over the batch. The factor T² keeps the gradient
 * scale independent of T (§2). Equal to PyTorch's
 * `kl_div(log_softmax(s / T), softmax(t / T), reduction='batchmean') * T * T`.
 *
 * Both log-probabilities come from `tf.logSoftmax`, so a teacher probability that underflows to 0
 * contributes exactly 0 rather than NaN.
 *
 * No gradient flows into the teacher: its logits pass through {@link stopGradient}. Still,
 * compute the teacher's forward pass outside the gradient scope (as the runtime's trainers do), so
 * it is neither recorded on the tape nor differentiated.
 *
 * @param studentLogits `[batch, classes]` logits of the model being trained.
 * @param teacherLogits `[batch, classes]` logits of the teacher for the same inputs.
 * @returns A scalar, owned by the caller.
 * @throws InvalidArgumentError when the shapes differ or the temperature is not above 0.
 */
export function kdLoss(studentLogits: tf.Tensor2D, teacherLogits: tf.Tensor2D, options: KdLossOptions): tf.Scalar {
  checkSameLogits(studentLogits, teacherLogits);
  checkTemperature(options.temperature);
  const temperature = options.temperature;
  return tf.tidy(() => {
    const teacherLogProbabilities = tf.logSoftmax(tf.div(stopGradient(teacherLogits), temperature));
    const studentLogProbabilities = tf.logSoftmax(tf.div(studentLogits, temperature));
    const teacherProbabilities = tf.exp(teacherLogProbabilities);
    const divergence = tf.sum(tf.mul(teacherProbabilities, tf.sub(teacherLogProbabilities, studentLogProbabilities)), 1);
    return tf.mul(tf.mean(divergence), temperature * temperature) as tf.Scalar;
  });
}
