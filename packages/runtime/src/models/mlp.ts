import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Model, ModelSpec } from '../contracts';
import { fromLayersModel } from './layers-model-adapter';
import {
  activationOption,
  createLayerSeeds,
  inputShapeOption,
  modelNameOption,
  numClassesOption,
  parseModelOptions,
  randomSeed,
  requireShapes,
  seedOption,
} from './model-options';

/**
 * Options of the multilayer perceptron (`core:mlp`). Strict: unknown keys are errors.
 */
export const mlpOptions = z.strictObject({
  /** Units of each hidden dense layer, input side first. `[]` gives a linear classifier. */
  hidden: z.array(z.int().positive()).readonly().default([256]),
  /** Activation of the hidden layers. */
  activation: activationOption.default('relu'),
  /** Dropout rate after each hidden layer, in [0, 1); 0 adds no dropout layer. */
  dropout: z.number().min(0).lt(1).default(0),
  /** Input shape without the batch dimension; any rank (the input is flattened). Defaults to the data's. */
  inputShape: inputShapeOption,
  /** Output units. Defaults to the data's class count. */
  numClasses: numClassesOption,
  /** Model name. Defaults to the pipeline step's, or `mlp`. */
  name: modelNameOption,
  /** Initialiser seed; the same seed gives the same weights in every process. */
  seed: seedOption,
});

/** Options of {@link createMlp} as written (defaults not yet applied). */
export type MlpOptionsInput = z.input<typeof mlpOptions>;
/** Options of {@link createMlp} after validation (defaults applied). */
export type MlpOptions = z.output<typeof mlpOptions>;

/** Arguments of {@link createMlp}: the options plus the shapes, which code must always give. */
export type CreateMlpOptions = Omit<MlpOptionsInput, 'inputShape' | 'numClasses'> & {
  inputShape: readonly number[];
  numClasses: number;
};

/**
 * Builds a multilayer perceptron: flatten → (dense → activation → dropout) per hidden layer → dense
 * logits. Input `[batch, ...inputShape]`, output logits `[batch, numClasses]` (no softmax).
 *
 * Layer names: `flatten` (for inputs of rank > 1), `hidden1` … `hidden<n-1>`, then the last hidden layer is `features` (the
 * penultimate representation distillation losses tap), `dropout<k>` after hidden layer `k`, and
 * `logits`. Dense kernels use Glorot-uniform initialisation seeded per layer from `seed`; biases
 * start at zero. Dropout masks are drawn from tfjs's unseeded generator: a fixed tfjs dropout seed
 * would repeat the same mask at every step.
 */
export function createMlp(options: CreateMlpOptions): Model {
  return buildMlp(options, { use: 'core:mlp' });
}

/**
 * createMlp with the spec's registry key and extra spec fields supplied by the caller (the registry
 * definition passes the spec it resolved, so a model registered under another key records that key).
 */
export function buildMlp(options: MlpOptionsInput, baseSpec: ModelSpec): Model {
  const resolved = parseModelOptions(mlpOptions, options, 'mlp');
  const { inputShape, numClasses } = requireShapes(resolved, 'mlp');
  const seed = resolved.seed ?? randomSeed();
  const name = resolved.name ?? 'mlp';
  const seedFor = createLayerSeeds(seed);

  const input = tf.input({ shape: [...inputShape], name: 'input' });
  // tfjs's Flatten rejects rank-1 inputs, which are already flat.
  let hidden = inputShape.length > 1 ? (tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor) : input;
  resolved.hidden.forEach((units, index) => {
    const isLast = index === resolved.hidden.length - 1;
    const layerName = isLast ? 'features' : `hidden${index + 1}`;
    hidden = tf.layers
      .dense({
        units,
        activation: resolved.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(layerName) }),
        biasInitializer: 'zeros',
        name: layerName,
      })
      .apply(hidden) as tf.SymbolicTensor;
    if (resolved.dropout > 0) {
      hidden = tf.layers.dropout({ rate: resolved.dropout, name: `dropout${index + 1}` }).apply(hidden) as tf.SymbolicTensor;
    }
  });
  const logits = tf.layers
    .dense({
      units: numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor('logits') }),
      biasInitializer: 'zeros',
      name: 'logits',
    })
    .apply(hidden) as tf.SymbolicTensor;

  const layersModel = tf.model({ inputs: input, outputs: logits, name });
  return fromLayersModel(layersModel, {
    name,
    spec: { ...baseSpec, ...resolved, inputShape: [...inputShape], numClasses, name, seed, hidden: [...resolved.hidden] },
  });
}
