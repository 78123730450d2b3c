import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Model, ModelSpec } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { fromLayersModel } from './layers-model-adapter';
import {
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
 * Options of the CIFAR-style ResNet (`core:resnet`). Strict: unknown keys are errors.
 */
export const resnetOptions = z
  .strictObject({
  /** Weighted layers: 6n + 2 for n basic blocks per stage (8, 14, 20, 32, 44, 56, 110, …). */
  depth: z
    .int()
    .min(8)
    .refine((depth) => (depth - 2) % 6 === 0, { message: 'depth must be 6n + 2 (8, 14, 20, 32, 44, 56, 110, …)' })
    .default(20),
  /** Channels of the stem and first stage; the stages have width, 2·width and 4·width channels. */
  width: z.int().positive().default(16),
  /**
   * Explicit channel counts, as a pruned network needs them (TAS's `xchannels`): the input's channel
   * count, then the output channels of every conv in forward order — the stem, then conv1 and conv2
   * of every block of the full depth, stage by stage (`2 + 6n` numbers for depth `6n + 2`). A
   * block's shortcut follows its conv2. Overrides `width`. Entries of blocks that `blocks` drops are
   * not used.
   */
  channels: z.array(z.int().positive()).min(8).optional(),
  /** Blocks kept in each of the three stages, each in `[1, n]` (TAS's `xblocks`); default all `n`. */
  blocks: z.tuple([z.int().positive(), z.int().positive(), z.int().positive()]).optional(),
  /** Input shape `[height, width, channels]`, any size. Defaults to the data's. */
  inputShape: inputShapeOption,
  /** Output units. Defaults to the data's class count. */
  numClasses: numClassesOption,
  /** Model name. Defaults to the pipeline step's, or `resnet<depth>`. */
  name: modelNameOption,
  /** Initialiser seed; the same seed gives the same weights in every process. */
  seed: seedOption,
})
  .superRefine((options, context) => {
    const blocksPerStage = (options.depth - 2) / 6;
    if (!Number.isInteger(blocksPerStage)) return;
    if (options.channels !== undefined && options.channels.length !== 2 + 6 * blocksPerStage) {
      context.addIssue({
        code: 'custom',
        path: ['channels'],
        message: `depth ${options.depth} has ${1 + 6 * blocksPerStage} convs, so channels needs ${2 + 6 * blocksPerStage} numbers (input channels, stem, then conv1 and conv2 of each of the ${3 * blocksPerStage} blocks); got ${options.channels.length}`,
      });
    }
    options.blocks?.forEach((count, stage) => {
      if (count > blocksPerStage) {
        context.addIssue({ code: 'custom', path: ['blocks', stage], message: `stage ${stage + 1} of depth ${options.depth} has ${blocksPerStage} blocks; cannot keep ${count}` });
      }
    });
  });

/** Options of {@link createResNet} as written (defaults not yet applied). */
export type ResNetOptionsInput = z.input<typeof resnetOptions>;
/** Options of {@link createResNet} after validation (defaults applied). */
export type ResNetOptions = z.output<typeof resnetOptions>;

/** Arguments of {@link createResNet}: the options plus the shapes, which code must always give. */
export type CreateResNetOptions = Omit<ResNetOptionsInput, 'inputShape' | 'numClasses'> & {
  inputShape: readonly number[];
  numClasses: number;
};

/** PyTorch's batch-norm defaults (momentum 0.1 there is 0.9 here), as in the reference models. */
const batchNormSettings = { momentum: 0.9, epsilon: 1e-5 } as const;

/**
 * Builds the CIFAR ResNet of He et al. (2016, §4.2) as the TAS reference implements it
 * (`InferCifarResNet` with `ResNetBasicblock`, D-X-Y/AutoDL-Projects), so that FLOPs and parameter
 * counts agree with the TAS paper: ResNet-20 has 40.81 M multiply-accumulates at 32×32×3.
 *
 * Structure: stem conv 3×3 (width) + BN + ReLU; three stages of n = (depth − 2)/6 basic blocks with
 * width, 2·width, 4·width channels, the first block of stages 2 and 3 striding by 2; global average
 * pooling; dense logits. A basic block is conv 3×3 → BN → ReLU → conv 3×3 → BN, added to the
 * shortcut, then ReLU. Where the block strides, the shortcut is 2×2 average pooling followed by a
 * 1×1 conv without BN (the reference's projection); where only the channel count changes, a 1×1
 * conv + BN. Convs have no bias. Input `[batch, height, width, channels]`, output logits
 * `[batch, numClasses]` (no softmax). Any input size works: 'same' padding rounds odd sizes up in
 * both the strided conv and the shortcut pooling.
 *
 * Layer names: `stem/conv`, `stem/bn`, `stem/relu`; in block b of stage s, `stage<s>/block<b>/conv1`,
 * `…/bn1`, `…/relu1`, `…/conv2`, `…/bn2`, `…/shortcut/pool`, `…/shortcut/conv`, `…/shortcut/bn`,
 * `…/add` and `…/relu`, except that the final ReLU of a stage's last block is named `stage<s>`, so
 * stage outputs are tapped as `stage1`, `stage2`, `stage3`; then `features` (global average pool,
 * `[batch, 4·width]`) and `logits`.
 *
 * Pruned networks (TAS): `channels` gives every conv its own output width and `blocks` keeps the
 * first `blocks[s]` blocks of stage s, exactly as the reference's `InferCifarResNet(xblocks, xchannels)`.
 * A block's shortcut is then the average-pool + 1×1 conv where it strides, a 1×1 conv + BN where
 * only the channel count changes, else the identity. FLOPs and parameters are counted from the
 * built layers by the same rule as for the full network.
 *
 * Initialisation: convs use He-normal with fan-out (the reference's `kaiming_normal_(mode='fan_out')`),
 * the dense layer Glorot-uniform, each seeded from `seed` and its layer name; BN starts at γ = 1, β = 0.
 */
export function createResNet(options: CreateResNetOptions): Model {
  return buildResNet(options, { use: 'core:resnet' });
}

/**
 * createResNet with the spec's registry key and extra spec fields supplied by the caller (the registry
 * definition passes the spec it resolved, so a model registered under another key records that key).
 */
export function buildResNet(options: ResNetOptionsInput, baseSpec: ModelSpec): Model {
  const resolved = parseModelOptions(resnetOptions, options, 'resnet');
  const { inputShape, numClasses } = requireShapes(resolved, 'resnet');
  if (inputShape.length !== 3) {
    throw new InvalidArgumentError('inputShape', `resnet needs an image input [height, width, channels]; got [${inputShape.join(', ')}].`);
  }
  const seed = resolved.seed ?? randomSeed();
  const name = resolved.name ?? `resnet${resolved.depth}`;
  const seedFor = createLayerSeeds(seed);
  const blocksPerStage = (resolved.depth - 2) / 6;

  const conv = (tensor: tf.SymbolicTensor, layerName: string, filters: number, kernelSize: number, strides: number) =>
    tf.layers
      .conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal', seed: seedFor(layerName) }),
        name: layerName,
      })
      .apply(tensor) as tf.SymbolicTensor;
  const batchNorm = (tensor: tf.SymbolicTensor, layerName: string) =>
    tf.layers.batchNormalization({ ...batchNormSettings, name: layerName }).apply(tensor) as tf.SymbolicTensor;
  const relu = (tensor: tf.SymbolicTensor, layerName: string) =>
    tf.layers.activation({ activation: 'relu', name: layerName }).apply(tensor) as tf.SymbolicTensor;

  const basicBlock = (tensor: tf.SymbolicTensor, prefix: string, inChannels: number, middleChannels: number, outChannels: number, strides: number, outputName: string) => {
    let residual = conv(tensor, `${prefix}/conv1`, middleChannels, 3, strides);
    residual = batchNorm(residual, `${prefix}/bn1`);
    residual = relu(residual, `${prefix}/relu1`);
    residual = conv(residual, `${prefix}/conv2`, outChannels, 3, 1);
    residual = batchNorm(residual, `${prefix}/bn2`);

    let shortcut = tensor;
    if (strides !== 1) {
      shortcut = tf.layers
        .averagePooling2d({ poolSize: strides, strides, padding: 'same', name: `${prefix}/shortcut/pool` })
        .apply(shortcut) as tf.SymbolicTensor;
      shortcut = conv(shortcut, `${prefix}/shortcut/conv`, outChannels, 1, 1);
    } else if (inChannels !== outChannels) {
      shortcut = conv(shortcut, `${prefix}/shortcut/conv`, outChannels, 1, 1);
      shortcut = batchNorm(shortcut, `${prefix}/shortcut/bn`);
    }
    const sum = tf.layers.add({ name: `${prefix}/add` }).apply([residual, shortcut]) as tf.SymbolicTensor;
    return relu(sum, outputName);
  };

  // Output channels of every conv of the full depth: the stem, then (conv1, conv2) per block.
  const convChannels = resolved.channels?.slice(1) ?? [
    resolved.width,
    ...[1, 2, 3].flatMap((stage) => Array.from({ length: 2 * blocksPerStage }, () => resolved.width * 2 ** (stage - 1))),
  ];
  if (resolved.channels !== undefined && resolved.channels[0] !== inputShape[2]) {
    throw new InvalidArgumentError('channels', `resnet channels[0] is the input's channel count, ${inputShape[2]} for input [${inputShape.join(', ')}]; got ${resolved.channels[0]}.`);
  }
  const keptBlocks = resolved.blocks ?? [blocksPerStage, blocksPerStage, blocksPerStage];

  const input = tf.input({ shape: [...inputShape], name: 'input' });
  let tensor = conv(input, 'stem/conv', convChannels[0], 3, 1);
  tensor = batchNorm(tensor, 'stem/bn');
  tensor = relu(tensor, 'stem/relu');
  let channels = convChannels[0];
  for (let stage = 1; stage <= 3; stage += 1) {
    const kept = keptBlocks[stage - 1];
    for (let block = 0; block < kept; block += 1) {
      const prefix = `stage${stage}/block${block}`;
      const strides = stage > 1 && block === 0 ? 2 : 1;
      const outputName = block === kept - 1 ? `stage${stage}` : `${prefix}/relu`;
      const first = 1 + 2 * ((stage - 1) * blocksPerStage + block);
      tensor = basicBlock(tensor, prefix, channels, convChannels[first], convChannels[first + 1], strides, outputName);
      channels = convChannels[first + 1];
    }
  }
  const features = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(tensor) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({
      units: numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor('logits') }),
      biasInitializer: 'zeros',
      name: 'logits',
    })
    .apply(features) as tf.SymbolicTensor;

  const layersModel = tf.model({ inputs: input, outputs: logits, name });
  return fromLayersModel(layersModel, {
    name,
    spec: { ...baseSpec, ...resolved, inputShape: [...inputShape], numClasses, name, seed },
  });
}
