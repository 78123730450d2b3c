import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './l2-normalize';

type LayerConfig = ConstructorParameters<typeof tf.layers.Layer>[0];

/**
 * A tfjs layer that L2-normalises each example along the last axis, `x / max(‖x‖, 1e-12)` (the
 * optional normalisation of the reference's `LinearEmbedding`). It has no weights and no options
 * beyond a layer's own (`getConfig`/`fromConfig` are tfjs's). The plugin registers it for
 * (de)serialisation when used, and {@link registerLayers} does so for plain `tf.loadLayersModel`
 * users, so exported models that contain it load back.
 *
 * Input `[batch, ..., features]`, output the same shape.
 */
export class L2Normalization extends tf.layers.Layer {
  /** Name under which the class is serialised (plugin-qualified: tfjs writes only this into model.json). */
  static readonly className = 'rkd.L2Normalization';

  constructor(config: LayerConfig = {}) {
    super(config);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => l2Normalize(Array.isArray(inputs) ? inputs[0] : inputs, -1));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }
}
