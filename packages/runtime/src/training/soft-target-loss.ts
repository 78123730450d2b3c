import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { checkLogits } from './validation';

/**
 * Divergence of a model from soft targets (a teacher's probabilities computed once and stored with
 * the data, as KegNet labels its generated samples): `mean_b KL(targets[b] ‖ softmax(logits[b]))`,
 * the KL divergence summed over classes and averaged over the batch, PyTorch's
 * `kl_div(log_softmax(logits), targets, reduction='batchmean')`. A target probability of 0
 * contributes exactly 0. No gradient flows into the targets.
 *
 * @param logits `[batch, classes]` logits of the model being trained.
 * @param targets `[batch, classes]` probability rows.
 * @returns A scalar in nats, owned by the caller.
 * @throws InvalidArgumentError when the shapes differ.
 */
export function softTargetLoss(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  checkLogits('logits', logits);
  if (targets.rank !== 2 || targets.shape[0] !== logits.shape[0] || targets.shape[1] !== logits.shape[1]) {
    throw new InvalidArgumentError('targets', `targets must have the logits' [batch, classes] shape [${logits.shape.join(', ')}], got [${targets.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const positive = tf.greater(targets, 0);
    const safeTargets = tf.where(positive, targets, tf.onesLike(targets));
    const logTargets = tf.where(positive, tf.log(safeTargets), tf.zerosLike(targets));
    const divergence = tf.sum(tf.mul(targets, tf.sub(logTargets, tf.logSoftmax(logits))), 1);
    return tf.mean(divergence) as tf.Scalar;
  });
}
