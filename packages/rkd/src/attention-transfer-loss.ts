import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { assertRank, assertSameBatch } from './argument-checks';
import { l2Normalize } from './l2-normalize';
import { stopGradient } from '@core/runtime';

/**
 * Spatial attention map of an NHWC feature map (Zagoruyko & Komodakis 2017, Sec. 3.1, `F_sum^p`
 * with p = 2, averaged instead of summed over channels): the mean over channels of the squared
 * activations, flattened and L2-normalised per example.
 *
 * @param feature - `[batch, height, width, channels]`.
 * @returns `[batch, height·width]`, each row of norm 1 (or 0 for an all-zero map).
 */
export function attentionMap(feature: tf.Tensor4D): tf.Tensor2D {
  assertRank(feature, 4, 'feature', 'attentionMap');
  return tf.tidy(() => {
    const [batch, height, width] = feature.shape;
    const energy = tf.mean(tf.square(feature), 3);
    return l2Normalize(tf.reshape(energy, [batch, height * width]) as tf.Tensor2D, 1);
  });
}

/**
 * Attention-transfer loss (Zagoruyko & Komodakis 2017, Eq. 2, p = 2), as RepDistiller's `at_loss`:
 * `mean((Q_S − Q_T)²)` over the batch and the spatial positions, where `Q` is {@link attentionMap}.
 * Channel counts may differ. A student map larger than the teacher's is average-pooled to the
 * teacher's size first (as RepDistiller's adaptive pooling); this needs integer size ratios. The
 * teacher side receives no gradient.
 *
 * @param studentFeature - `[batch, studentHeight, studentWidth, studentChannels]`.
 * @param teacherFeature - `[batch, teacherHeight, teacherWidth, teacherChannels]` for the same examples.
 * @returns Scalar loss.
 * @throws InvalidArgumentError for non-NHWC inputs, different batch sizes, a student map smaller than
 *   the teacher's, or sizes that are not integer multiples.
 */
export function attentionTransferLoss(studentFeature: tf.Tensor4D, teacherFeature: tf.Tensor4D): tf.Scalar {
  const caller = 'attentionTransferLoss';
  assertRank(studentFeature, 4, 'studentFeature', caller);
  assertRank(teacherFeature, 4, 'teacherFeature', caller);
  assertSameBatch(studentFeature, teacherFeature, caller);
  const [, studentHeight, studentWidth] = studentFeature.shape;
  const [, teacherHeight, teacherWidth] = teacherFeature.shape;
  if (studentHeight % teacherHeight !== 0 || studentWidth % teacherWidth !== 0) {
    throw new InvalidArgumentError(
      'studentFeature',
      `${caller}: the student map ${studentHeight}×${studentWidth} cannot be average-pooled to the teacher map ${teacherHeight}×${teacherWidth}; ` +
        'the student map must be the same size or an integer multiple of the teacher map. Tap layers of matching resolution.',
    );
  }
  return tf.tidy(() => {
    const poolSize: [number, number] = [studentHeight / teacherHeight, studentWidth / teacherWidth];
    const pooled =
      poolSize[0] === 1 && poolSize[1] === 1 ? studentFeature : tf.avgPool(studentFeature, poolSize, poolSize, 'valid');
    const teacherMap = stopGradient(attentionMap(teacherFeature));
    return tf.mean(tf.square(tf.sub(attentionMap(pooled), teacherMap))) as tf.Scalar;
  });
}
