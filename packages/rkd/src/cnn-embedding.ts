import * as tf from '@tensorflow/tfjs';
import {
  createLayerSeeds,
  fillModelOptions,
  fromLayersModel,
  InvalidArgumentError,
  parseModelOptions,
  randomSeed,
  requireInputShape,
  type Model,
  type ModelDefinition,
  type ModelSpec,
} from '@core/runtime';
import { z } from 'zod';
import { embeddingModelFields } from './embedding-model-options';
import { L2Normalization } from './l2-normalization-layer';

/** Options of `rkd:cnn-embedding`. */
export const cnnEmbeddingOptions = z.strictObject({
  ...embeddingModelFields,
  dimension: embeddingModelFields.dimension.default(64),
  /** Filters of the two 3×3 convolutions. */
  filters: z.tuple([z.int().positive(), z.int().positive()]).default([32, 64]).describe('filters of the two 3×3 convolutions'),
  /** Units of the fully connected layer before the embedding. */
  hiddenUnits: z.int().positive().default(256).describe('units of the fully connected layer before the embedding'),
});

/** Options of {@link createCnnEmbedding} as written. */
export type CnnEmbeddingOptionsInput = z.input<typeof cnnEmbeddingOptions>;
/** Arguments of {@link createCnnEmbedding}: the options with the input shape required. */
export type CreateCnnEmbeddingOptions = Omit<CnnEmbeddingOptionsInput, 'inputShape'> & { inputShape: readonly number[] };

/**
 * A small convolutional embedding network for 28×28-scale images, the teacher of the reproducible
 * metric-learning setup (a stand-in for the paper's ResNet-50 backbone + `LinearEmbedding`,
 * Park et al. 2019, Sec. 4.1): conv 3×3 (32, ReLU) → conv 3×3 (64, ReLU) → 2×2 max-pool → flatten →
 * dense 256 (ReLU) → dense `dimension` (linear) → optional L2 normalisation.
 *
 * Input `[batch, height, width, channels]`, output `[batch, dimension]`. Layer names (stable weight
 * names, tap points): `conv1`, `conv2`, `pool`, `flatten`, `features` (the 256-d representation),
 * `embedding` (the embedding before normalisation) and `l2_normalize` when normalised. Kernels are
 * Glorot-uniform, seeded per layer from `seed`; biases start at zero.
 *
 * @throws InvalidArgumentError for invalid options or an input that is not `[height, width, channels]`
 *   of at least 6×6.
 */
export function createCnnEmbedding(options: CreateCnnEmbeddingOptions): Model {
  return buildCnnEmbedding(options, { use: 'rkd:cnn-embedding' });
}

function buildCnnEmbedding(options: CnnEmbeddingOptionsInput, baseSpec: ModelSpec): Model {
  const resolved = parseModelOptions(cnnEmbeddingOptions, options, 'rkd:cnn-embedding');
  const inputShape = requireInputShape(resolved.inputShape, 'rkd:cnn-embedding');
  if (inputShape.length !== 3 || inputShape[0] < 6 || inputShape[1] < 6) {
    throw new InvalidArgumentError('inputShape', `rkd:cnn-embedding needs images [height, width, channels] of at least 6×6, got [${inputShape.join(', ')}].`);
  }
  const seed = resolved.seed ?? randomSeed();
  const name = resolved.name ?? 'cnn_embedding';
  const seedFor = createLayerSeeds(seed);
  const kernelInitializer = (layerName: string) => tf.initializers.glorotUniform({ seed: seedFor(layerName) });

  const input = tf.input({ shape: [...inputShape], name: 'input' });
  let hidden = tf.layers
    .conv2d({ filters: resolved.filters[0], kernelSize: 3, activation: 'relu', kernelInitializer: kernelInitializer('conv1'), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor;
  hidden = tf.layers
    .conv2d({ filters: resolved.filters[1], kernelSize: 3, activation: 'relu', kernelInitializer: kernelInitializer('conv2'), name: 'conv2' })
    .apply(hidden) as tf.SymbolicTensor;
  hidden = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(hidden) as tf.SymbolicTensor;
  hidden = tf.layers.flatten({ name: 'flatten' }).apply(hidden) as tf.SymbolicTensor;
  hidden = tf.layers
    .dense({ units: resolved.hiddenUnits, activation: 'relu', kernelInitializer: kernelInitializer('features'), name: 'features' })
    .apply(hidden) as tf.SymbolicTensor;
  let output = tf.layers
    .dense({ units: resolved.dimension, kernelInitializer: kernelInitializer('embedding'), name: 'embedding' })
    .apply(hidden) as tf.SymbolicTensor;
  if (resolved.l2normalize) output = new L2Normalization({ name: 'l2_normalize' }).apply(output) as tf.SymbolicTensor;

  const layersModel = tf.model({ inputs: input, outputs: output, name });
  return fromLayersModel(layersModel, {
    name,
    spec: { ...baseSpec, ...resolved, filters: [...resolved.filters], inputShape: [...inputShape], name, seed },
  });
}

/**
 * `rkd:cnn-embedding` — {@link createCnnEmbedding} as a registry model. The input shape comes from
 * the data, the name from the step and the seed from the run's generator when the config leaves them
 * out; the class count is not used (the output width is `dimension`).
 */
export const cnnEmbeddingDefinition: ModelDefinition<typeof cnnEmbeddingOptions> = {
  description: 'Small CNN embedding (conv32-conv64-pool-fc256 → d, optional L2 normalisation) for metric learning',
  options: cnnEmbeddingOptions,
  create: (options, context) =>
    buildCnnEmbedding(
      fillModelOptions(options, context, { numClasses: false }),
      context.spec,
    ),
};
