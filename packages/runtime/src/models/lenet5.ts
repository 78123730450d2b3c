import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Model, ModelSpec } from '../contracts';
import { InvalidArgumentError } from '../errors';
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

/** Channel and unit counts of the classic LeNet-5 at width 1: conv1, conv2, dense1, features. */
const baseWidths = { conv1: 6, conv2: 16, dense1: 120, features: 84 } as const;

/**
 * Options of LeNet-5 (`core:lenet5`). Strict: unknown keys are errors.
 */
export const lenet5Options = z.strictObject({
  /**
   * Multiplies the channel and unit counts 6, 16, 120, 84 (rounded, at least 1). A width-0.5
   * LeNet-5 is the usual distillation student of a width-1 teacher.
   */
  width: z.number().positive().max(64).default(1),
  /** Activation after each conv and hidden dense layer. */
  activation: activationOption.default('relu'),
  /** Subsampling after each conv: 2×2 max or average pooling, stride 2. */
  pooling: z.enum(['avg', 'max']).default('max'),
  /** Input shape `[height, width, channels]`, at least 12×12. Defaults to the data's. */
  inputShape: inputShapeOption,
  /** Output units. Defaults to the data's class count. */
  numClasses: numClassesOption,
  /** Model name. Defaults to the pipeline step's, or `lenet5`. */
  name: modelNameOption,
  /** Initialiser seed; the same seed gives the same weights in every process. */
  seed: seedOption,
});

/** Options of {@link createLeNet5} as written (defaults not yet applied). */
export type LeNet5OptionsInput = z.input<typeof lenet5Options>;
/** Options of {@link createLeNet5} after validation (defaults applied). */
export type LeNet5Options = z.output<typeof lenet5Options>;

/** Arguments of {@link createLeNet5}: the options plus the shapes, which code must always give. */
export type CreateLeNet5Options = Omit<LeNet5OptionsInput, 'inputShape' | 'numClasses'> & {
  inputShape: readonly number[];
  numClasses: number;
};

/**
 * Builds LeNet-5 (LeCun et al., 1998) in its modern form: conv 5×5 'same' (6) → pool 2 → conv 5×5
 * 'valid' (16) → pool 2 → flatten → dense 120 → dense 84 → dense logits. Input
 * `[batch, height, width, channels]` (NHWC), output logits `[batch, numClasses]` (no softmax).
 *
 * Layer names: `conv1`, `pool1`, `conv2`, `pool2`, `flatten`, `dense1`, `features` (the 84-unit
 * penultimate layer that feature-distillation losses tap), `logits`. Activations are fused into the
 * conv and dense layers, so tapping `conv1` gives post-activation maps. Kernels use Glorot-uniform
 * initialisation seeded per layer from `seed`; biases start at zero.
 *
 * At 28×28×1 and width 1: 61,706 parameters, 423,038 multiply-accumulates per example.
 */
export function createLeNet5(options: CreateLeNet5Options): Model {
  return buildLeNet5(options, { use: 'core:lenet5' });
}

/**
 * createLeNet5 with the spec's registry key and extra spec fields supplied by the caller (the registry
 * definition passes the spec it resolved, so a model registered under another key records that key).
 */
export function buildLeNet5(options: LeNet5OptionsInput, baseSpec: ModelSpec): Model {
  const resolved = parseModelOptions(lenet5Options, options, 'lenet5');
  const { inputShape, numClasses } = requireShapes(resolved, 'lenet5');
  if (inputShape.length !== 3 || inputShape[0] < 12 || inputShape[1] < 12) {
    throw new InvalidArgumentError(
      'inputShape',
      `lenet5 needs an image input [height, width, channels] of at least 12×12 (the valid 5×5 conv after the first pooling needs 6×6); got [${inputShape.join(', ')}].`,
    );
  }
  const seed = resolved.seed ?? randomSeed();
  const name = resolved.name ?? 'lenet5';
  const seedFor = createLayerSeeds(seed);
  const scaled = (units: number) => Math.max(1, Math.round(units * resolved.width));
  const pool = (layerName: string) =>
    resolved.pooling === 'max'
      ? tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: layerName })
      : tf.layers.averagePooling2d({ poolSize: 2, strides: 2, name: layerName });
  const conv = (layerName: string, filters: number, padding: 'same' | 'valid') =>
    tf.layers.conv2d({
      filters,
      kernelSize: 5,
      padding,
      activation: resolved.activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(layerName) }),
      biasInitializer: 'zeros',
      name: layerName,
    });
  const dense = (layerName: string, units: number, activation: typeof resolved.activation) =>
    tf.layers.dense({
      units,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(layerName) }),
      biasInitializer: 'zeros',
      name: layerName,
    });

  const input = tf.input({ shape: [...inputShape], name: 'input' });
  const stack: tf.layers.Layer[] = [
    conv('conv1', scaled(baseWidths.conv1), 'same'),
    pool('pool1'),
    conv('conv2', scaled(baseWidths.conv2), 'valid'),
    pool('pool2'),
    tf.layers.flatten({ name: 'flatten' }),
    dense('dense1', scaled(baseWidths.dense1), resolved.activation),
    dense('features', scaled(baseWidths.features), resolved.activation),
    dense('logits', numClasses, 'linear'),
  ];
  const logits = stack.reduce<tf.SymbolicTensor>((tensor, layer) => layer.apply(tensor) as tf.SymbolicTensor, input);

  const layersModel = tf.model({ inputs: input, outputs: logits, name });
  return fromLayersModel(layersModel, {
    name,
    spec: { ...baseSpec, ...resolved, inputShape: [...inputShape], numClasses, name, seed },
  });
}
