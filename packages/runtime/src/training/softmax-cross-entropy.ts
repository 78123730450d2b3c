import * as tf from '@tensorflow/tfjs';
import { checkLabels, checkLogits, checkRange } from './validation';

/** Options of {@link softmaxCrossEntropy}. */
export interface SoftmaxCrossEntropyOptions {
  /**
   * Label smoothing ε in [0, 1]: the target puts `1 − ε + ε / classes` on the true class and
   * `ε / classes` on every other class (Szegedy et al. 2016, "Rethinking the Inception
   * Architecture", §7; same as `torch.nn.functional.cross_entropy(label_smoothing=ε)`). Default 0.
   */
  labelSmoothing?: number;
}

/**
 * Mean softmax cross-entropy of a batch: `mean_b −Σ_c target[b, c] · log softmax(logits[b])[c]`,
 * computed with `tf.logSoftmax`, so large logits neither overflow nor underflow.
 *
 * @param logits `[batch, classes]` unnormalised scores.
 * @param labels `[batch]` int32 class indices in `[0, classes)`. An index outside that range gives
 *   an all-zero target row (that example then contributes only its smoothing term).
 * @returns A scalar in nats, owned by the caller.
 * @throws InvalidArgumentError on mismatched shapes, a non-int32 `labels`, or a smoothing outside [0, 1].
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, options: SoftmaxCrossEntropyOptions = {}): tf.Scalar {
  const labelSmoothing = options.labelSmoothing ?? 0;
  checkLogits('logits', logits);
  checkLabels('labels', labels, logits);
  checkRange('labelSmoothing', labelSmoothing, 0, 1);
  const classes = logits.shape[1];
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits);
    let targets: tf.Tensor = tf.oneHot(labels, classes);
    if (labelSmoothing > 0) {
      targets = tf.add(tf.mul(targets, 1 - labelSmoothing), labelSmoothing / classes);
    }
    const perExample = tf.neg(tf.sum(tf.mul(targets, logProbabilities), 1));
    return tf.mean(perExample) as tf.Scalar;
  });
}
