import * as tf from '@tensorflow/tfjs';
import { createLayerSeeds, defineModel, fillModelOptions, fromLayersModel, InvalidArgumentError, randomSeed, type Model, type ModelSpec } from '@core/runtime';
import { z } from 'zod';

/** Options of `kegnet:lenet5`. */
export const kegnetLenet5Options = z.strictObject({
  /** Input shape `[32, 32, channels]` (the valid 5×5 convs need 32×32 to end on a 1×1 map). */
  inputShape: z.array(z.number().int().positive()).length(3).optional(),
  numClasses: z.number().int().min(2).optional(),
  name: z.string().optional(),
  seed: z.number().int().min(0).optional(),
});

/**
 * LeNet-5 as the KegNet reference defines it (`classifier/models/lenet.py`): 32×32 input, conv 5×5
 * valid (6) + ReLU + max-pool 2 → conv 5×5 valid (16) + ReLU + max-pool 2 → conv 5×5 valid (120) +
 * ReLU → dense 84 + ReLU → dense logits; every layer with a bias; 61,706 parameters at 1 channel.
 * `conv3` is a real 5×5 convolution (not a dense layer), so Tucker-2 applies to it as in the paper.
 *
 * Layer names: `conv1`, `pool1`, `conv2`, `pool2`, `conv3`, `flatten`, `fc1`, `logits`.
 */
export function createKegnetLenet5(options: z.input<typeof kegnetLenet5Options> & { inputShape: readonly number[]; numClasses: number }, spec: ModelSpec = { use: 'kegnet:lenet5' }): Model {
  const [height, width, channels] = options.inputShape;
  if (options.inputShape.length !== 3 || height !== 32 || width !== 32) {
    throw new InvalidArgumentError(
      'inputShape',
      `kegnet:lenet5 takes 32×32 images (the reference resizes MNIST to 32×32); got [${options.inputShape.join(', ')}]. Use the dataset "kegnet:resized" (size 32) or set inputShape: [32, 32, ${channels ?? 1}].`,
    );
  }
  const seed = options.seed ?? randomSeed();
  const name = options.name ?? 'lenet5';
  const seedFor = createLayerSeeds(seed);
  const conv = (layerName: string, filters: number) =>
    tf.layers.conv2d({ filters, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(layerName) }), name: layerName });
  const dense = (layerName: string, units: number, activation: 'relu' | 'linear') =>
    tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor(layerName) }), name: layerName });
  const input = tf.input({ shape: [height, width, channels], name: 'input' });
  const layers: tf.layers.Layer[] = [
    conv('conv1', 6),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }),
    conv('conv2', 16),
    tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }),
    conv('conv3', 120),
    tf.layers.flatten({ name: 'flatten' }),
    dense('fc1', 84, 'relu'),
    dense('logits', options.numClasses, 'linear'),
  ];
  const output = layers.reduce<tf.SymbolicTensor>((tensor, layer) => layer.apply(tensor) as tf.SymbolicTensor, input);
  return fromLayersModel(tf.model({ inputs: input, outputs: output, name }), {
    name,
    spec: { ...spec, inputShape: [height, width, channels], numClasses: options.numClasses, name, seed },
  });
}

/** `kegnet:lenet5`: the reference's LeNet-5 on 32×32 inputs. */
export const kegnetLenet5Definition = defineModel({
  description: 'LeNet-5 as in the KegNet reference: 32×32 input, three valid 5×5 convs (6, 16, 120), dense 84, logits.',
  options: kegnetLenet5Options,
  create(options, context) {
    // The seed comes from the run's generator when the config leaves it out, so the run seed fixes the weights.
    const filled = fillModelOptions(options, context);
    const { inputShape, numClasses } = filled;
    if (!inputShape || numClasses === undefined) throw new InvalidArgumentError('inputShape', 'kegnet:lenet5 needs an input shape and a class count: give them or train it on data.');
    return createKegnetLenet5({ ...filled, inputShape: [...inputShape], numClasses }, { use: context.spec.use });
  },
});
