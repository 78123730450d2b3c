import * as tf from '@tensorflow/tfjs';
import { createLayerSeeds, fillModelOptions, fromLayersModel, parseModelOptions, randomSeed, requireInputShape, type Model, type ModelDefinition, type ModelSpec } from '@core/runtime';
import { z } from 'zod';
import { embeddingModelFields } from './embedding-model-options';
import { L2Normalization } from './l2-normalization-layer';

/** Options of `rkd:mlp-embedding`. */
export const mlpEmbeddingOptions = z.strictObject({
  ...embeddingModelFields,
  dimension: embeddingModelFields.dimension.default(16),
  /** Units of the hidden ReLU layers, input side first. */
  hidden: z.array(z.int().positive()).readonly().default([128]).describe('units of the hidden ReLU layers'),
});

/** Options of {@link createMlpEmbedding} as written. */
export type MlpEmbeddingOptionsInput = z.input<typeof mlpEmbeddingOptions>;
/** Arguments of {@link createMlpEmbedding}: the options with the input shape required. */
export type CreateMlpEmbeddingOptions = Omit<MlpEmbeddingOptionsInput, 'inputShape'> & { inputShape: readonly number[] };

/**
 * A multilayer-perceptron embedding, the student of the reproducible metric-learning setup (a
 * stand-in for the paper's ResNet-18 students, Park et al. 2019, Sec. 4.1): flatten → dense 128
 * (ReLU) → dense `dimension` (linear) → optional L2 normalisation; 784-128-d on 28×28 images.
 *
 * Input `[batch, ...inputShape]`, output `[batch, dimension]`. Layer names: `flatten` (inputs of rank
 * > 1), `hidden1` … for all hidden layers but the last, which is `features`, then `embedding` and
 * `l2_normalize` when normalised. Kernels are Glorot-uniform, seeded per layer from `seed`.
 *
 * @throws InvalidArgumentError for invalid options.
 */
export function createMlpEmbedding(options: CreateMlpEmbeddingOptions): Model {
  return buildMlpEmbedding(options, { use: 'rkd:mlp-embedding' });
}

function buildMlpEmbedding(options: MlpEmbeddingOptionsInput, baseSpec: ModelSpec): Model {
  const resolved = parseModelOptions(mlpEmbeddingOptions, options, 'rkd:mlp-embedding');
  const inputShape = requireInputShape(resolved.inputShape, 'rkd:mlp-embedding');
  const seed = resolved.seed ?? randomSeed();
  const name = resolved.name ?? 'mlp_embedding';
  const seedFor = createLayerSeeds(seed);

  const input = tf.input({ shape: [...inputShape], name: 'input' });
  // tfjs's Flatten rejects rank-1 inputs, which are already flat.
  let hidden = inputShape.length > 1 ? (tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor) : input;
  resolved.hidden.forEach((units, index) => {
    const layerName = index === resolved.hidden.length - 1 ? 'features' : `hidden${index + 1}`;
    hidden = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(layerName) }), name: layerName })
      .apply(hidden) as tf.SymbolicTensor;
  });
  let output = tf.layers
    .dense({ units: resolved.dimension, kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor('embedding') }), name: 'embedding' })
    .apply(hidden) as tf.SymbolicTensor;
  if (resolved.l2normalize) output = new L2Normalization({ name: 'l2_normalize' }).apply(output) as tf.SymbolicTensor;

  const layersModel = tf.model({ inputs: input, outputs: output, name });
  return fromLayersModel(layersModel, {
    name,
    spec: { ...baseSpec, ...resolved, hidden: [...resolved.hidden], inputShape: [...inputShape], name, seed },
  });
}

/**
 * `rkd:mlp-embedding` — {@link createMlpEmbedding} as a registry model. The input shape comes from
 * the data, the name from the step and the seed from the run's generator when the config leaves them
 * out; the class count is not used (the output width is `dimension`).
 */
export const mlpEmbeddingDefinition: ModelDefinition<typeof mlpEmbeddingOptions> = {
  description: 'MLP embedding (784-128-d, optional L2 normalisation) for metric learning',
  options: mlpEmbeddingOptions,
  create: (options, context) =>
    buildMlpEmbedding(
      fillModelOptions(options, context, { numClasses: false }),
      context.spec,
    ),
};
