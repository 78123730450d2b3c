import * as tf from '@tensorflow/tfjs';
import {
  createLayerSeeds,
  fillModelOptions,
  fromLayersModel,
  InvalidArgumentError,
  parseModelOptions,
  randomSeed,
  requireShapes,
  type Model,
  type ModelDefinition,
  type ModelSpec,
} from '@core/runtime';
import { z } from 'zod';
import { capsuleOutputSize } from './capsule-unfold';
import { ClassLogProbabilities, Squash } from './capsule-output-layers';
import { DynamicRouting2d, EmRouting2d, SelfRouting2d } from './routing-layers';

/** Heads on the shared backbone: the paper's SR-CapsNet and the baselines it compares with. */
export const capsuleHeads = ['self-routing', 'dynamic-routing', 'em-routing', 'avg-pool'] as const;
export type CapsuleHead = (typeof capsuleHeads)[number];

/** Options of `srcaps:capsnet`. */
export const capsuleNetworkOptions = z.strictObject({
  /** `self-routing` (SR), `dynamic-routing` (DR), `em-routing` (EM) or `avg-pool` (global average pooling + dense). */
  head: z.enum(capsuleHeads).default('self-routing').describe('self-routing | dynamic-routing | em-routing | avg-pool'),
  /** Capsule layers including the class layer: 1 (SR-1) or 2 (SR-2: one 3×3 stride-2 capsule layer first). */
  depth: z.int().min(1).max(2).default(1).describe('capsule layers including the class layer (1 or 2)'),
  /** Channels of the backbone's three 3×3 conv + BN + ReLU layers (strides 1, 2, 2). */
  filters: z.tuple([z.int().positive(), z.int().positive(), z.int().positive()]).default([32, 64, 64]).describe('backbone widths (strides 1, 2, 2)'),
  /** Capsule types A of the primary (and intermediate) capsule layers. */
  capsules: z.int().positive().default(16).describe('capsule types A per layer'),
  /** Pose dimensions C of a capsule; default 8, and 16 (4×4 matrices) for EM routing, which needs a square. */
  capsuleSize: z.int().positive().optional().describe('pose dimensions C (default 8; 16 for em-routing)'),
  /** Routing iterations of dynamic and EM routing. */
  iterations: z.int().positive().default(3).describe('routing iterations (dynamic and EM routing)'),
  /** Input shape without the batch dimension. Defaults to the data's. */
  inputShape: z.array(z.int().positive()).length(3).readonly().optional().describe('[height, width, channels]; defaults to the data'),
  /** Number of classes. Defaults to the data's. */
  numClasses: z.int().min(2).optional(),
  /** Model name. Defaults to the pipeline step's. */
  name: z.string().min(1).optional(),
  /** Initialiser seed; defaults to one drawn from the run's generator. */
  seed: z.int().nonnegative().max(0xffffffff).optional(),
});

/** Options of {@link createCapsuleNetwork} as written. */
export type CapsuleNetworkOptionsInput = z.input<typeof capsuleNetworkOptions>;

/** Layer names of the capsule network, for taps (`features`: the backbone's last feature map). */
export const capsuleNetworkLayers = {
  features: 'features',
  primaryActivations: 'primary_activations',
  primaryPoses: 'primary_poses',
  classCapsules: 'class_capsules',
  output: 'class_log_probabilities',
} as const;

function convBlock(input: tf.SymbolicTensor, name: string, filters: number, strides: number, seed: number, activation: 'relu' | 'sigmoid' | 'linear'): tf.SymbolicTensor {
  const conv = tf.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: tf.initializers.heUniform({ seed }), name });
  const norm = tf.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9, epsilon: 1e-5 });
  const normalised = norm.apply(conv.apply(input)) as tf.SymbolicTensor;
  if (activation === 'linear') return normalised;
  return tf.layers.activation({ activation, name: `${name}_${activation}` }).apply(normalised) as tf.SymbolicTensor;
}

/**
 * The networks of the SR-CapsNet comparison at CPU scale (Hahn et al. 2019, Sec. 4, with the
 * digest's small backbone in place of ResNet-20): three 3×3 conv + BN + ReLU layers (strides 1, 2, 2;
 * 28×28 → 7×7), then one head:
 *
 * - `self-routing`: primary capsules (activations `sigmoid(BN(conv))`, poses `BN(conv)`), with
 *   `depth: 2` one {@link SelfRouting2d} 3×3 stride-2 layer + BN on the poses, then the class layer
 *   (kernel = the remaining grid, activations only); output `log a` (the activations sum to 1).
 * - `dynamic-routing`: squashed primary poses `squash(BN(conv))`, {@link DynamicRouting2d} layers;
 *   output `log(‖v_j‖ / Σ_k ‖v_k‖)`.
 * - `em-routing`: primary capsules as for SR with 4×4 pose matrices, {@link EmRouting2d} layers
 *   (BN on intermediate poses); output `log(a_j / Σ_k a_k)`.
 * - `avg-pool`: global average pooling + dense; output logits.
 *
 * Every output is a log-probability (or logit) vector `[b, classes]`, so `core:cross-entropy`
 * trains it: softmax cross-entropy of a normalised distribution's log is its NLL.
 * Layer names are stable: `conv1`…`conv3` (+`_bn`), `features`, `primary_activations`,
 * `primary_poses`, `caps1` (+`_bn`), `class_capsules`, `class_log_probabilities` (or `logits`).
 *
 * @throws InvalidArgumentError for an input grid too small for the backbone, or EM routing with a non-square pose size.
 */
export function createCapsuleNetwork(options: CapsuleNetworkOptionsInput): Model {
  return buildCapsuleNetwork(options, { use: 'srcaps:capsnet' });
}

function buildCapsuleNetwork(options: CapsuleNetworkOptionsInput, baseSpec: ModelSpec): Model {
  const resolved = parseModelOptions(capsuleNetworkOptions, options, 'srcaps:capsnet');
  const { inputShape, numClasses } = requireShapes(resolved, 'srcaps:capsnet');
  const [height, width] = inputShape;
  const head = resolved.head;
  const capsuleSize = resolved.capsuleSize ?? (head === 'em-routing' ? 16 : 8);
  if (head === 'em-routing' && Math.round(Math.sqrt(capsuleSize)) ** 2 !== capsuleSize) {
    throw new InvalidArgumentError('capsuleSize', `srcaps:capsnet: EM routing uses square pose matrices; capsuleSize ${capsuleSize} is not m² (use 4, 9 or 16).`);
  }
  const seed = resolved.seed ?? randomSeed();
  const name = resolved.name ?? `capsnet_${head.replace('-', '_')}`;
  const seedFor = createLayerSeeds(seed);
  const A = resolved.capsules;
  const [f1, f2, f3] = resolved.filters;

  let grid = Math.ceil(Math.ceil(height / 2) / 2);
  const gridWidth = Math.ceil(Math.ceil(width / 2) / 2);
  if (grid !== gridWidth) {
    throw new InvalidArgumentError('inputShape', `srcaps:capsnet needs square images (the class layer's kernel covers a square grid), got [${inputShape.join(', ')}].`);
  }
  if (resolved.depth === 2 && head !== 'avg-pool' && grid < 2) {
    throw new InvalidArgumentError('inputShape', `srcaps:capsnet: depth 2 needs a capsule grid of at least 2×2; [${inputShape.join(', ')}] gives ${grid}×${grid}.`);
  }

  const input = tf.input({ shape: [...inputShape], name: 'input' });
  let features = convBlock(input, 'conv1', f1, 1, seedFor('conv1'), 'relu');
  features = convBlock(features, 'conv2', f2, 2, seedFor('conv2'), 'relu');
  features = convBlock(features, 'conv3', f3, 2, seedFor('conv3'), 'relu');
  features = tf.layers.activation({ activation: 'linear', name: 'features' }).apply(features) as tf.SymbolicTensor;
  let output: tf.SymbolicTensor;
  const middle = { kernelSize: 3, stride: 2, padding: 1 };
  if (head === 'avg-pool') {
    const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(features) as tf.SymbolicTensor;
    output = tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: seedFor('logits') }), name: 'logits' }).apply(pooled) as tf.SymbolicTensor;
  } else if (head === 'dynamic-routing') {
    let poses = convBlock(features, 'primary_poses', A * capsuleSize, 1, seedFor('primary_poses'), 'linear');
    poses = new Squash({ capsuleSize, name: 'primary_squash' }).apply(poses) as tf.SymbolicTensor;
    if (resolved.depth === 2) {
      poses = new DynamicRouting2d({ inputCapsules: A, capsules: A, poseSize: capsuleSize, ...middle, iterations: resolved.iterations, seed: seedFor('caps1'), name: 'caps1' }).apply(poses) as tf.SymbolicTensor;
      grid = capsuleOutputSize(grid, middle);
    }
    const classes = new DynamicRouting2d({ inputCapsules: A, capsules: numClasses, poseSize: capsuleSize, kernelSize: grid, padding: 0, iterations: resolved.iterations, seed: seedFor('class_capsules'), name: 'class_capsules' });
    output = new ClassLogProbabilities({ capsuleSize, normalize: true, name: 'class_log_probabilities' }).apply(classes.apply(poses)) as tf.SymbolicTensor;
  } else {
    let activations = convBlock(features, 'primary_activations', A, 1, seedFor('primary_activations'), 'sigmoid');
    let poses = convBlock(features, 'primary_poses', A * capsuleSize, 1, seedFor('primary_poses'), 'linear');
    if (resolved.depth === 2) {
      const layer =
        head === 'self-routing'
          ? new SelfRouting2d({ capsules: A, poseSize: capsuleSize, ...middle, seed: seedFor('caps1'), name: 'caps1' })
          : new EmRouting2d({ capsules: A, ...middle, iterations: resolved.iterations, seed: seedFor('caps1'), name: 'caps1' });
      const routed = layer.apply([activations, poses]) as tf.SymbolicTensor[];
      activations = routed[0];
      poses = tf.layers.batchNormalization({ name: 'caps1_bn', momentum: 0.9, epsilon: 1e-5 }).apply(routed[1]) as tf.SymbolicTensor;
      grid = capsuleOutputSize(grid, middle);
    }
    let classActivations: tf.SymbolicTensor;
    if (head === 'self-routing') {
      classActivations = new SelfRouting2d({ capsules: numClasses, poseSize: 0, kernelSize: grid, padding: 0, name: 'class_capsules' }).apply([activations, poses]) as tf.SymbolicTensor;
    } else {
      const routed = new EmRouting2d({ capsules: numClasses, kernelSize: grid, padding: 0, iterations: resolved.iterations, seed: seedFor('class_capsules'), name: 'class_capsules' }).apply([activations, poses]) as tf.SymbolicTensor[];
      classActivations = routed[0];
    }
    output = new ClassLogProbabilities({ normalize: head === 'em-routing', name: 'class_log_probabilities' }).apply(classActivations) as tf.SymbolicTensor;
  }

  const layersModel = tf.model({ inputs: input, outputs: output, name });
  return fromLayersModel(layersModel, {
    name,
    spec: { ...baseSpec, ...resolved, filters: [...resolved.filters], inputShape: [...inputShape], numClasses, capsuleSize, name, seed },
  });
}

/**
 * `srcaps:capsnet` — {@link createCapsuleNetwork} as a registry model: the input shape and class
 * count come from the data, the name from the step and the seed from the run's generator when the
 * config leaves them out.
 */
export const capsuleNetworkDefinition: ModelDefinition<typeof capsuleNetworkOptions> = {
  description: 'Small conv backbone + self-routing (SR-1/SR-2), dynamic-routing, EM-routing or average-pooling head; outputs log class probabilities',
  options: capsuleNetworkOptions,
  create: (options, context) => buildCapsuleNetwork(fillModelOptions(options, context), context.spec),
};
