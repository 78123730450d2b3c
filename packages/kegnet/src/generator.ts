import * as tf from '@tensorflow/tfjs';
import { createFunctionModel, createLayerSeeds, defineModel, InvalidArgumentError, randomSeed, type FunctionModelVariable, type Model, type ModelSpec } from '@core/runtime';
import { z } from 'zod';

/** Options of `kegnet:generator`. */
export const generatorOptions = z.strictObject({
  /** Shape of a generated image `[32, 32, channels]` (the teacher's input shape). */
  imageShape: z.array(z.number().int().positive()).length(3).optional(),
  /** Classes of the one-hot label input (the teacher's output units). */
  numClasses: z.number().int().min(2).optional(),
  /** Noise dimensions `ẑ ~ N(0, I)` (10 in the paper). */
  noiseUnits: z.number().int().positive().default(10),
  /** Hidden `120 → 120` layers of the decoder after its first layer (1 for MNIST, 3 for Fashion-MNIST and SVHN). */
  decoderLayers: z.number().int().min(0).max(8).default(1),
  inputShape: z.array(z.number().int().positive()).optional(),
  name: z.string().optional(),
  seed: z.number().int().min(0).optional(),
});

export type GeneratorOptions = z.input<typeof generatorOptions>;

/** Batch-norm momentum of the moving statistics (PyTorch's 0.1, i.e. 0.9 in tfjs terms) and epsilon. */
const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-5;
/** Epsilon of the per-image standardisation. */
const STANDARDIZE_EPSILON = 1e-8;

/** Channel counts of the transposed convolutions from the 1×1×128 seed: 4×4 → 8×8 → 16×16 → 32×32. */
const DECONV_CHANNELS = [64, 16, 4] as const;

function glorot(shape: number[], fanIn: number, fanOut: number, seed: number): tf.Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -limit, limit, 'float32', seed);
}

/**
 * The KegNet image generator and its decoder as one model with two variable groups (the reference's
 * `ImageGenerator` and `Decoder`, `generator/models.py`).
 *
 * Generator (`generator` group), inputs `label [batch, classes]` (one-hot) and `noise [batch, noiseUnits]`:
 * `concat(noise, label) → dense 256 + BN + ReLU → dense 128 + BN + ReLU → [1, 1, 128] → deconv 4×4
 * (64, valid) + BN + ReLU → deconv 4×4 s2 (16) + BN + ReLU → deconv 4×4 s2 (4) + BN + ReLU → deconv 4×4
 * s2 (channels) → tanh`, then each image is standardised per channel over its pixels
 * (`(x − mean) / std`, unbiased std), so the teacher sees zero-mean, unit-variance inputs like
 * normalised real data. Output `[batch, 32, 32, channels]`.
 *
 * Decoder (`decoder` group), tapped as `reconstruction`: `flatten → dense 120 + ELU + BN →
 * decoderLayers × (dense 120 + ELU + BN) → dense noiseUnits`, the estimate of the noise that made the
 * sample (trained jointly with the generator by the decoder loss). Tapping `samples` gives the images.
 *
 * Batch norm uses batch statistics and updates its moving averages in training mode, and the moving
 * averages otherwise (generators sample the dataset in inference mode, as the reference's `eval()`).
 */
export function createGenerator(options: GeneratorOptions & { imageShape: readonly number[]; numClasses: number }, spec: ModelSpec = { use: 'kegnet:generator' }): Model {
  const [height, width, channels] = options.imageShape;
  if (height !== 32 || width !== 32) {
    throw new InvalidArgumentError('imageShape', `kegnet:generator makes 32×32 images (four 4×4 transposed convolutions from 1×1); the teacher takes [${options.imageShape.join(', ')}]. Resize the data to 32×32 (dataset kegnet:resized).`);
  }
  const noiseUnits = options.noiseUnits ?? 10;
  const decoderLayers = options.decoderLayers ?? 1;
  const classes = options.numClasses;
  const seed = options.seed ?? randomSeed();
  const seedFor = createLayerSeeds(seed);
  const variables: FunctionModelVariable[] = [];
  const batchNorm = (name: string, units: number, group: string) => {
    variables.push(
      { name: `${name}/gamma`, initial: tf.ones([units]), group },
      { name: `${name}/beta`, initial: tf.zeros([units]), group },
      { name: `${name}/moving_mean`, initial: tf.zeros([units]), group, trainable: false },
      { name: `${name}/moving_variance`, initial: tf.ones([units]), group, trainable: false },
    );
  };
  const dense = (name: string, inUnits: number, outUnits: number, group: string) => {
    variables.push({ name: `${name}/kernel`, initial: glorot([inUnits, outUnits], inUnits, outUnits, seedFor(name)), group }, { name: `${name}/bias`, initial: tf.zeros([outUnits]), group });
  };
  // Generator.
  dense('gen_dense1', noiseUnits + classes, 256, 'generator');
  batchNorm('gen_bn1', 256, 'generator');
  dense('gen_dense2', 256, 128, 'generator');
  batchNorm('gen_bn2', 128, 'generator');
  const deconvChannels = [128, ...DECONV_CHANNELS, channels];
  for (let index = 0; index < 4; index += 1) {
    const [inC, outC] = [deconvChannels[index], deconvChannels[index + 1]];
    // tfjs conv2dTranspose filters are [kh, kw, outChannels, inChannels].
    variables.push({ name: `gen_deconv${index + 1}/kernel`, initial: glorot([4, 4, outC, inC], 16 * inC, 16 * outC, seedFor(`gen_deconv${index + 1}`)), group: 'generator' });
    if (index < 3) batchNorm(`gen_bn_deconv${index + 1}`, outC, 'generator');
  }
  // Decoder.
  const imageSize = height * width * channels;
  dense('dec_dense0', imageSize, 120, 'decoder');
  batchNorm('dec_bn0', 120, 'decoder');
  for (let index = 1; index <= decoderLayers; index += 1) {
    dense(`dec_dense${index}`, 120, 120, 'decoder');
    batchNorm(`dec_bn${index}`, 120, 'decoder');
  }
  dense('dec_out', 120, noiseUnits, 'decoder');

  const name = options.name ?? 'generator';
  const model = createFunctionModel({
    name,
    spec: { ...spec, imageShape: [height, width, channels], numClasses: classes, noiseUnits, decoderLayers, name, seed },
    inputShape: [classes],
    inputShapes: { label: [classes], noise: [noiseUnits] },
    outputShape: [height, width, channels],
    variables,
    layerNames: ['samples', 'reconstruction'],
    forward(inputs, { variables: weights, options: applyOptions, tap }) {
      if (inputs instanceof tf.Tensor || !inputs.label || !inputs.noise) {
        throw new InvalidArgumentError('inputs', `kegnet:generator takes named inputs { label: [batch, ${classes}], noise: [batch, ${noiseUnits}] }.`);
      }
      const training = applyOptions.training === true;
      const norm = (x: tf.Tensor, layer: string, axes: number[]) => {
        const gamma = weights[`${layer}/gamma`];
        const beta = weights[`${layer}/beta`];
        const movingMean = weights[`${layer}/moving_mean`];
        const movingVariance = weights[`${layer}/moving_variance`];
        if (!training) return tf.batchNorm(x, movingMean, movingVariance, beta, gamma, BN_EPSILON);
        const { mean, variance } = tf.moments(x, axes);
        const count = axes.reduce((product, axis) => product * x.shape[axis]!, 1);
        // The moving variance is the unbiased batch variance, as PyTorch keeps it.
        movingMean.assign(tf.add(tf.mul(movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM)));
        movingVariance.assign(tf.add(tf.mul(movingVariance, BN_MOMENTUM), tf.mul(variance, ((1 - BN_MOMENTUM) * count) / Math.max(1, count - 1))));
        return tf.batchNorm(x, mean, variance, beta, gamma, BN_EPSILON);
      };
      const linear = (x: tf.Tensor, layer: string) => tf.add(tf.matMul(x as tf.Tensor2D, weights[`${layer}/kernel`] as tf.Tensor2D), weights[`${layer}/bias`]);
      const batch = inputs.noise.shape[0];
      let x: tf.Tensor = tf.concat([inputs.noise, inputs.label], 1);
      x = tf.relu(norm(linear(x, 'gen_dense1'), 'gen_bn1', [0]));
      x = tf.relu(norm(linear(x, 'gen_dense2'), 'gen_bn2', [0]));
      x = tf.reshape(x, [batch, 1, 1, 128]);
      let size = 1;
      for (let index = 0; index < 4; index += 1) {
        const outC = deconvChannels[index + 1];
        const next = index === 0 ? 4 : size * 2;
        x = tf.conv2dTranspose(x as tf.Tensor4D, weights[`gen_deconv${index + 1}/kernel`] as tf.Tensor4D, [batch, next, next, outC], 2, index === 0 ? 'valid' : 'same');
        size = next;
        if (index < 3) x = tf.relu(norm(x, `gen_bn_deconv${index + 1}`, [0, 1, 2]));
      }
      x = tf.tanh(x);
      // Per image and channel: (x − mean) / std with the unbiased std.
      const { mean, variance } = tf.moments(x, [1, 2], true);
      const pixels = height * width;
      const std = tf.sqrt(tf.mul(variance, pixels / (pixels - 1)));
      const samples = tap('samples', tf.div(tf.sub(x, mean), tf.add(std, STANDARDIZE_EPSILON)));
      let hidden: tf.Tensor = tf.reshape(samples, [batch, imageSize]);
      hidden = norm(tf.elu(linear(hidden, 'dec_dense0')), 'dec_bn0', [0]);
      for (let index = 1; index <= decoderLayers; index += 1) hidden = norm(tf.elu(linear(hidden, `dec_dense${index}`)), `dec_bn${index}`, [0]);
      tap('reconstruction', linear(hidden, 'dec_out'));
      return samples;
    },
    countFlops: () => 0,
  });
  tf.dispose(variables.map((variable) => variable.initial));
  return model;
}

/** `kegnet:generator`: KegNet's image generator with its decoder (see {@link createGenerator}). */
export const generatorDefinition = defineModel({
  description: 'KegNet image generator (one-hot label + noise → standardised 32×32 image) with its noise decoder (tap "reconstruction").',
  options: generatorOptions,
  create(options, context) {
    const imageShape = options.imageShape ?? options.inputShape;
    if (!imageShape || options.numClasses === undefined) throw new InvalidArgumentError('imageShape', 'kegnet:generator needs imageShape (the teacher\'s input shape) and numClasses (its output units).');
    return createGenerator({ ...options, imageShape, numClasses: options.numClasses, name: options.name ?? context.name, seed: options.seed ?? context.rng.seed() }, { use: context.spec.use });
  },
});
