import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';

/**
 * Reads one tapped layer output from a loss context's `features` or `teacherFeatures`.
 *
 * @param features - Tapped outputs by layer name.
 * @param layer - The layer name the loss declared in its `taps`.
 * @param side - Which model the features come from, for the error message.
 * @param loss - Loss key, for the error message.
 * @returns The tensor (owned by the caller of the loss).
 * @throws InvalidArgumentError naming the tapped layers when `layer` is absent.
 */
export function readTappedFeature(
  features: Readonly<Record<string, tf.Tensor>>,
  layer: string,
  side: 'student' | 'teacher',
  loss: string,
): tf.Tensor {
  const feature = features[layer];
  if (feature === undefined) {
    const available = Object.keys(features);
    throw new InvalidArgumentError(
      side,
      `${loss}: the ${side} layer "${layer}" was not tapped. Tapped ${side} layers: ${available.join(', ') || '(none)'}. ` +
        `Set the loss option "${side}" to a layer name of the ${side} model.`,
    );
  }
  return feature;
}

/**
 * Flattens a feature to `[batch, features]` (a globally pooled map stays as it is; an NHWC map is
 * flattened in row-major order).
 *
 * @param feature - `[batch, ...]`, rank ≥ 2.
 * @returns `[batch, product of the other dimensions]`.
 */
export function flattenFeature(feature: tf.Tensor): tf.Tensor2D {
  if (feature.rank < 2) {
    throw new InvalidArgumentError('feature', `expected a feature of shape [batch, ...], got [${feature.shape.join(', ')}].`);
  }
  return tf.reshape(feature, [feature.shape[0], -1]);
}
