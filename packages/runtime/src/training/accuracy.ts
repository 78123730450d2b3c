import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { checkLabels, checkLogits } from './validation';

/**
 * Fraction of examples whose highest logit is the true class (ties go to the lowest index, as
 * `tf.argMax` breaks them).
 *
 * @param logits `[batch, classes]` scores (logits or probabilities).
 * @param labels `[batch]` int32 class indices.
 * @returns A float32 scalar in [0, 1], owned by the caller.
 */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  checkLogits('logits', logits);
  checkLabels('labels', labels, logits);
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar);
}

/** Per-example 0/1 float32 `[batch]`: 1 when the true class is among the `k` highest scores. */
export function topKCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Tensor1D {
  checkLogits('logits', logits);
  checkLabels('labels', labels, logits);
  const classes = logits.shape[1];
  if (!Number.isInteger(k) || k < 1 || k > classes) {
    throw new InvalidArgumentError('k', `k must be an integer in [1, ${classes}] (the number of classes), got ${k}`);
  }
  return tf.tidy(() => {
    const { indices } = tf.topk(logits, k);
    const hits = tf.equal(indices, tf.expandDims(labels, 1));
    return tf.cast(tf.any(hits, 1), 'float32') as tf.Tensor1D;
  });
}

/**
 * Top-k accuracy: fraction of examples whose true class is among the `k` highest scores (the
 * "top-5 error" of ImageNet reports is 1 minus this with k = 5). `k = 1` equals {@link accuracy}
 * except for how ties are broken.
 *
 * @param logits `[batch, classes]`.
 * @param labels `[batch]` int32 class indices.
 * @param k Integer in [1, classes].
 * @returns A float32 scalar in [0, 1], owned by the caller.
 */
export function topKAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Scalar {
  const correct = topKCorrect(logits, labels, k);
  const result = tf.mean(correct) as tf.Scalar;
  correct.dispose();
  return result;
}
