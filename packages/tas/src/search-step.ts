import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createBatches, type ArrayDataset, type Batch } from '@core/datasets';
import {
  createOptimizer,
  createSchedule,
  defineStep,
  evaluateClassifier,
  getTrainingState,
  InvalidArgumentError,
  lineChartSvg,
  optimizerOptions,
  setTrainingState,
  softmaxCrossEntropy,
  type Dataset,
  type Metrics,
  type Rng,
  type Trainer,
} from '@core/runtime';
import { z } from 'zod';
import { searchTemperature } from './gumbel';
import { flopsCost, resnetFlops, type ResNetArchitecture } from './search-flops';
import { depthChoices } from './search-space';
import { createTasSupernet, type TasSupernet } from './supernet';

/** Options of `tas:search`. */
export const searchStepOptions = z.strictObject({
  /** The unpruned network whose width and depth are searched; only `core:resnet` is supported. */
  model: z.looseObject({ use: z.string() }).default({ use: 'core:resnet', depth: 14 }),
  /** Target FLOPs as a fraction of the unpruned network's, in (0, 1]. */
  ratio: z.number().gt(0, 'ratio must be in (0, 1]: the target FLOPs as a fraction of the unpruned network').max(1, 'ratio must be in (0, 1]: the target FLOPs as a fraction of the unpruned network'),
  /** Tolerance band below the target, as a fraction of the unpruned FLOPs (0.05). */
  tolerance: z.number().min(0).lt(1).default(0.05),
  /** λ_cost, weight of the FLOPs cost in the architecture loss (2). */
  costWeight: z.number().min(0).default(2),
  epochs: z.number().int().positive().default(10),
  /** Images per batch of each half (weights and architecture). */
  batchSize: z.number().int().positive().default(128),
  temperature: z.strictObject({ max: z.number().positive().default(5), min: z.number().positive().default(0.1) }).prefault({}),
  /** Search the block count of each stage (needs ≥ 2 blocks per stage). */
  searchDepth: z.boolean().default(true),
  /** Align different widths by channel-wise interpolation (TAS) or zero-padding (ablation). */
  alignment: z.enum(['cwi', 'zero-pad']).default('cwi'),
  /** `tas`: the search; `random`: a random architecture in the same FLOPs band (ablation, no training). */
  mode: z.enum(['tas', 'random']).default('tas'),
  weightOptimizer: optimizerOptions.prefault({ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }),
  architectureOptimizer: optimizerOptions.prefault({ type: 'adam', learningRate: 1e-3, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3 }),
  /** Held-out images on which the argmax network's accuracy is reported each epoch (validation split, else test). */
  evaluationCount: z.number().int().positive().default(1000),
  seed: z.number().int().optional(),
});

/** Options of `tas:search` after validation. */
export type SearchStepOptions = z.output<typeof searchStepOptions>;

function subset(dataset: Dataset, indices: number[], name: string): ArrayDataset {
  const size = dataset.shape.reduce((a, b) => a * b, 1);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((source, target) => {
    images.set(dataset.images.subarray(source * size, (source + 1) * size), target * size);
    labels[target] = dataset.labels[source];
  });
  return { name, images, labels, shape: dataset.shape as [number, number, number], numClasses: dataset.numClasses, count: indices.length } as unknown as ArrayDataset;
}

/** Smallest FLOPs of the space: every conv at its narrowest width, every stage at its fewest blocks. */
export function smallestArchitecture(supernet: TasSupernet): ResNetArchitecture {
  const { space } = supernet;
  return {
    channels: [space.inputShape[2], ...space.convs.map((conv) => conv.choices[0])],
    blocks: space.depths.map((choices) => (choices.length > 0 ? choices[0] : space.blocksPerStage)) as [number, number, number],
  };
}

/** A random architecture of the space whose FLOPs fall in `[low, high]` (rejection sampling). */
export function randomArchitecture(supernet: TasSupernet, low: number, high: number, rng: Rng): ResNetArchitecture {
  const { space } = supernet;
  for (let attempt = 0; attempt < 100000; attempt += 1) {
    const architecture: ResNetArchitecture = {
      channels: [space.inputShape[2], ...space.convs.map((conv) => conv.choices[rng.int(conv.choices.length)])],
      blocks: space.depths.map((choices) => (choices.length > 0 ? choices[rng.int(choices.length)] : space.blocksPerStage)) as [number, number, number],
    };
    const flops = resnetFlops(architecture, space.inputShape, space.numClasses);
    if (flops >= low && flops <= high) return architecture;
  }
  throw new InvalidArgumentError('ratio', 'no random architecture in the FLOPs band after 100000 draws; widen the tolerance.');
}

function svgOf(history: EpochRecord[], supernet: TasSupernet): string {
  const { space } = supernet;
  const widths = lineChartSvg({
    title: 'argmax width / full width per conv',
    xLabel: 'epoch',
    yRange: [0, 1],
    width: 640,
    height: 300,
    series: space.convs.map((conv, index) => ({ label: conv.name, points: history.map((record) => [record.epoch, record.channels[index + 1] / conv.channels] as const) })),
  });
  const depths = lineChartSvg({
    title: 'argmax blocks per stage, and FLOPs ratio ×10',
    xLabel: 'epoch',
    width: 640,
    height: 220,
    series: [
      ...[0, 1, 2].map((stage) => ({ label: `stage ${stage + 1}`, points: history.map((record) => [record.epoch, record.blocks[stage]] as const) })),
      { label: 'FLOPs ratio ×10', points: history.map((record) => [record.epoch, record.flopsRatio * 10] as const) },
    ],
  });
  const strip = (svg: string) => svg.replace(/^<svg[^>]*>/, '').replace(/<\/svg>$/, '');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="520" font-family="sans-serif"><g>${strip(widths)}</g><g transform="translate(0,300)">${strip(depths)}</g></svg>\n`;
}

interface EpochRecord {
  epoch: number;
  temperature: number;
  flopsRatio: number;
  accuracy: number;
  channels: number[];
  blocks: number[];
  widthProbabilities: number[][];
  depthProbabilities: number[][];
}

/**
 * `tas:search`: transformable architecture search (Dong and Yang 2019, Algorithm 1) of the width
 * and depth of a CIFAR ResNet under a FLOPs ratio. The training split is halved: each iteration an
 * SGD step on the weights (cosine schedule) with a batch of one half, then an Adam step on the
 * architecture logits with a batch of the other, minimising `CE + λ_cost · cost`; τ follows the
 * cosine schedule per epoch. Produces the argmax network as a `core:resnet` architecture with
 * explicit `channels` and `blocks`.
 */
export const searchStep = defineStep({
  description: 'Search the width and depth of a CIFAR ResNet under a FLOPs ratio (TAS); produces a core:resnet architecture.',
  options: searchStepOptions,
  produces: 'architecture',
  async run(options, context) {
    if (options.model.use !== 'core:resnet') {
      throw new InvalidArgumentError('model', `tas:search supports model { use: core:resnet, depth: 6n+2, width } (the CIFAR ResNet); got "${options.model.use}".`);
    }
    const depth = Number(options.model.depth ?? 20);
    const width = Number(options.model.width ?? 16);
    if (!Number.isInteger((depth - 2) / 6) || depth < 8) throw new InvalidArgumentError('model.depth', `core:resnet depth must be 6n + 2 (8, 14, 20, …); got ${depth}.`);
    if (options.searchDepth && depth === 8) {
      depthChoices(1);
    }
    const data = context.resolveData();
    const seed = options.seed ?? context.rng.seed();
    const supernet = createTasSupernet({ depth, width, inputShape: data.train.shape, numClasses: data.train.numClasses, searchDepth: options.searchDepth, alignment: options.alignment, seed });
    const { model, space } = supernet;
    const full: ResNetArchitecture = { channels: [space.inputShape[2], ...space.convs.map((conv) => conv.channels)], blocks: [space.blocksPerStage, space.blocksPerStage, space.blocksPerStage] };
    const maximum = resnetFlops(full, space.inputShape, space.numClasses);
    const smallest = resnetFlops(smallestArchitecture(supernet), space.inputShape, space.numClasses) / maximum;
    if (options.ratio < smallest) {
      model.dispose();
      throw new InvalidArgumentError('ratio', `tas:search: no architecture of this space reaches FLOPs ratio ${options.ratio}; the smallest reachable ratio is ${smallest.toFixed(4)} (every conv at 30% width${options.searchDepth ? ', one block per stage' : ''}). Raise ratio to at least ${smallest.toFixed(4)}.`);
    }
    const result = (architecture: ResNetArchitecture, metrics: Metrics, details: Record<string, unknown>) => {
      const flops = resnetFlops(architecture, space.inputShape, space.numClasses);
      return {
        artifacts: { [context.id]: { kind: 'architecture' as const, spec: { use: 'core:resnet', depth, channels: architecture.channels, blocks: architecture.blocks }, details: { ...details, flops, unprunedFlops: maximum, ratio: flops / maximum } } },
        metrics: { ...metrics, flops, unpruned_flops: maximum, flops_ratio: flops / maximum },
      };
    };
    if (options.mode === 'random') {
      model.dispose();
      const architecture = randomArchitecture(supernet, (options.ratio - options.tolerance) * maximum, options.ratio * maximum, context.rng.fork(`${context.id}/random`));
      context.logger.info(`${context.id}: random architecture channels [${architecture.channels.join(', ')}], blocks [${architecture.blocks.join(', ')}]`);
      return result(architecture, {}, { mode: 'random' });
    }

    const order = Array.from({ length: data.train.count }, (_, index) => index);
    context.rng.fork(`${context.id}/split`).shuffle(order);
    const half = Math.floor(order.length / 2);
    const weightHalf = subset(data.train, order.slice(0, half), 'weights');
    const architectureHalf = subset(data.train, order.slice(half, 2 * half), 'architecture');
    const heldOut = data.validation ?? data.test;
    const evaluation = heldOut ? subset(heldOut, Array.from({ length: Math.min(options.evaluationCount, heldOut.count) }, (_, index) => index), 'held-out') : undefined;
    const batchesPerEpoch = Math.max(1, Math.floor(half / options.batchSize));
    const weightOptimizer = createOptimizer(options.weightOptimizer);
    const architectureOptimizer = createOptimizer(options.architectureOptimizer);
    const schedule = createSchedule({ type: 'cosine' }, { baseLearningRate: weightOptimizer.learningRate, epochs: options.epochs, batchesPerEpoch });
    const parts = { model, optimizers: { weights: weightOptimizer, architecture: architectureOptimizer } };
    const weightVariables = model.trainableVariables('weights');
    const architectureVariables = model.trainableVariables('architecture');
    let history: EpochRecord[] = [];
    let weightBatches: Batch[] = [];
    let architectureBatches: Batch[] = [];
    const files = path.join(context.runDirectory, context.id);
    await mkdir(files, { recursive: true });

    const step = (batch: Batch, variables: tf.Variable[], optimizer: typeof weightOptimizer, temperature: number, rng: Rng, withCost: boolean) => {
      const inputs = tf.tensor4d(batch.images, batch.shape);
      const labels = tf.tensor1d(batch.labels, 'int32');
      try {
        let sign = 0;
        const currentFlops = resnetFlops(supernet.architecture(), space.inputShape, space.numClasses);
        const parts: tf.Tensor[] = [];
        const loss = optimizer.minimize(() => {
          const logits = model.apply(inputs, { training: true, rng, temperature }) as tf.Tensor2D;
          const crossEntropy = softmaxCrossEntropy(logits, labels);
          parts.push(tf.keep(tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'))));
          if (!withCost) return crossEntropy;
          const cost = flopsCost(supernet.expectedFlops(), currentFlops, maximum, options.ratio, options.tolerance);
          sign = cost.sign;
          return tf.add(crossEntropy, tf.mul(cost.loss, options.costWeight)) as tf.Scalar;
        }, variables);
        const values = tf.tidy(() => tf.stack([loss, ...parts]).dataSync());
        tf.dispose([loss, ...parts]);
        return { loss: values[0], accuracy: values[1], sign };
      } finally {
        tf.dispose([inputs, labels]);
      }
    };

    const trainer: Trainer = {
      name: context.id,
      epochs: options.epochs,
      batchesPerEpoch: () => batchesPerEpoch,
      startEpoch(_epoch, rng) {
        const normalize = data.normalization;
        weightBatches = createBatches(weightHalf, { batchSize: options.batchSize, shuffle: true, random: rng, dropLast: half >= options.batchSize, normalize });
        architectureBatches = createBatches(architectureHalf, { batchSize: options.batchSize, shuffle: true, random: rng, dropLast: half >= options.batchSize, normalize });
      },
      trainBatch(position, rng) {
        const temperature = searchTemperature(position.epoch, options.epochs, options.temperature);
        weightOptimizer.learningRate = schedule(position.epoch, position.batch);
        const weights = step(weightBatches[position.batch % weightBatches.length], weightVariables, weightOptimizer, temperature, rng, false);
        const architecture = step(architectureBatches[position.batch % architectureBatches.length], architectureVariables, architectureOptimizer, temperature, rng, true);
        return { loss: weights.loss, accuracy: weights.accuracy, arch_loss: architecture.loss, cost_sign: architecture.sign, tau: temperature };
      },
      async evaluate(epoch) {
        const architecture = supernet.architecture();
        const flopsRatio = resnetFlops(architecture, space.inputShape, space.numClasses) / maximum;
        const accuracy = evaluation ? (await evaluateClassifier(model, evaluation, { batchSize: 250, normalize: data.normalization })).accuracy : Number.NaN;
        const temperature = searchTemperature(epoch, options.epochs, options.temperature);
        const probabilities = supernet.probabilities();
        history = [...history.filter((record) => record.epoch < epoch), { epoch, temperature, flopsRatio, accuracy, ...architecture, widthProbabilities: probabilities.widths, depthProbabilities: probabilities.depths }];
        await writeFile(path.join(files, 'architecture-probabilities.json'), `${JSON.stringify({ convs: space.convs.map((conv) => ({ name: conv.name, choices: conv.choices })), depthChoices: space.depths, epochs: history }, null, 1)}\n`);
        await writeFile(path.join(files, 'architecture.svg'), svgOf(history, supernet));
        context.logger.info(`${context.id} epoch ${epoch + 1}/${options.epochs}: tau ${temperature.toFixed(3)}, FLOPs ratio ${flopsRatio.toFixed(3)}, argmax-net accuracy ${(accuracy * 100).toFixed(2)}%, blocks [${architecture.blocks.join(', ')}]`);
        return { accuracy, flops_ratio: flopsRatio };
      },
      getState: () => getTrainingState(parts),
      setState: (state) => setTrainingState(parts, state),
      getExtraState: () => ({ history }),
      setExtraState(state) {
        history = ((state as { history?: EpochRecord[] } | undefined)?.history ?? []).slice();
      },
    };
    try {
      const fit = await context.fit(trainer);
      const architecture = supernet.architecture();
      context.logger.info(`${context.id}: found channels [${architecture.channels.join(', ')}], blocks [${architecture.blocks.join(', ')}]`);
      return result(architecture, { ...fit.last, seconds: fit.seconds }, { mode: 'tas', probabilities: supernet.probabilities() });
    } finally {
      weightOptimizer.dispose();
      architectureOptimizer.dispose();
      model.dispose();
    }
  },
});
