import * as tf from '@tensorflow/tfjs';
import { defineLoss, InvalidArgumentError, type Loss } from '@core/runtime';
import { z } from 'zod';
import { diversityLoss } from './diversity-loss';

const noOptions = z.strictObject({});

/**
 * KegNet's classifier loss (§3.3, eq. 3): the cross-entropy of the frozen teacher on generated
 * samples against the sampled labels, `mean_b CE(ŷ_b, M(x̂_b))` (the reference's batch-mean
 * KL(ŷ ‖ softmax M(x̂)), equal for one-hot ŷ). Gradients flow through the teacher into the generator.
 *
 * @param teacherLogits `[batch, classes]` logits of the teacher on the generated samples.
 * @param labels `[batch]` int32 sampled classes.
 */
export function classifierLoss(teacherLogits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, teacherLogits.shape[1]), tf.logSoftmax(teacherLogits)), 1))) as tf.Scalar);
}

/**
 * KegNet's decoder loss (§3.3, eq. 4): how well the decoder recovers the noise from the sample,
 * `mean_{b,k} (D(x̂)_bk − ẑ_bk)²`.
 *
 * @param reconstruction `[batch, noiseUnits]` decoder output.
 * @param noise `[batch, noiseUnits]` the noise the samples were generated from.
 */
export function decoderLoss(reconstruction: tf.Tensor2D, noise: tf.Tensor2D): tf.Scalar {
  if (!tf.util.arraysEqual(reconstruction.shape, noise.shape)) {
    throw new InvalidArgumentError('noise', `decoder reconstruction [${reconstruction.shape.join(', ')}] and noise [${noise.shape.join(', ')}] differ in shape.`);
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(reconstruction, noise)) as tf.Scalar);
}

/** `kegnet:classifier` (see {@link classifierLoss}): reads the teacher's outputs with gradient and the sampled labels. */
export const classifierLossDefinition = defineLoss({
  description: 'KegNet classifier loss: cross-entropy of the frozen teacher on generated samples against the sampled labels.',
  options: noOptions,
  create: (): Loss => ({
    name: 'classifier',
    needs: { teacherGradient: true, labels: true },
    compute(context) {
      if (!context.teacherOutputs || !context.labels) throw new InvalidArgumentError('teacher', 'kegnet:classifier needs a teacher and sampled labels: use it in kegnet:generators.');
      return classifierLoss(context.teacherOutputs as tf.Tensor2D, context.labels);
    },
  }),
});

/** `kegnet:decoder` (see {@link decoderLoss}): reads the generator's `reconstruction` tap and the `noise` tensor. */
export const decoderLossDefinition = defineLoss({
  description: 'KegNet decoder loss: mean squared error between the decoder\'s noise estimate and the noise.',
  options: noOptions,
  create: (): Loss => ({
    name: 'decoder',
    taps: { student: ['reconstruction'] },
    needs: { tensors: ['noise'] },
    compute: (context) => decoderLoss(context.features.reconstruction as tf.Tensor2D, context.tensors.noise as tf.Tensor2D),
  }),
});

/** `kegnet:diversity` (see {@link diversityLoss}): reads the generated samples and the `noise` tensor. */
export const diversityLossDefinition = defineLoss({
  description: 'KegNet diversity loss: exp(−mean over pairs of noise distance × sample distance).',
  options: noOptions,
  create: (): Loss => ({
    name: 'diversity',
    needs: { tensors: ['noise'] },
    compute: (context) => diversityLoss(context.tensors.noise as tf.Tensor2D, context.outputs),
  }),
});
