import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  artifactReference,
  combineLosses,
  createOptimizer,
  defineStep,
  encodePng,
  getTrainingState,
  imageGrid,
  InvalidArgumentError,
  lossUpdate,
  setTrainingState,
  type Dataset,
  type Metrics,
  type Model,
  type Rng,
  type StepContext,
} from '@core/runtime';
import { z } from 'zod';
import { createGenerator } from './generator';

/** Options of `kegnet:generators`. */
export const generatorsStepOptions = z.strictObject({
  /** The trained classifier, frozen (an earlier step's model). */
  teacher: artifactReference('model'),
  /** Generators trained independently (own weights, optimiser and seed); 5 in the paper. */
  generators: z.number().int().min(1).max(16).default(3),
  epochs: z.number().int().positive().default(10),
  /** Updates per epoch (100 in the paper). */
  batchesPerEpoch: z.number().int().positive().default(100),
  /** Samples per update (256 in the paper). */
  batchSize: z.number().int().min(2).default(256),
  noiseUnits: z.number().int().positive().default(10),
  /** Hidden layers of the decoder (1 for MNIST, 3 for Fashion-MNIST and SVHN). */
  decoderLayers: z.number().int().min(0).max(8).default(1),
  /** Weight α of the decoder loss (1 in every setting of the paper). */
  alpha: z.number().min(0).default(1),
  /** Weight β of the diversity loss (0 for MNIST, 10 for Fashion-MNIST, 1 for SVHN). */
  beta: z.number().min(0).default(0),
  learningRate: z.number().positive().default(1e-3),
  /** Generated samples on which each generator's teacher accuracy is measured before and after training. */
  accuracySamples: z.number().int().positive().default(512),
});

export type GeneratorsStepOptions = z.input<typeof generatorsStepOptions>;

/** Names of the generator artifacts a `kegnet:generators` step leaves: `<id>-1` … `<id>-n`. */
export function generatorArtifactNames(id: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${id}-${index + 1}`);
}

/** Uniform labels and standard-normal noise for one generator batch, from a seeded generator. */
export function sampleGeneratorInputs(rng: Rng, size: number, classes: number, noiseUnits: number, labels?: Int32Array) {
  const drawn = labels ?? Int32Array.from({ length: size }, () => rng.int(classes));
  const noise = Float32Array.from({ length: size * noiseUnits }, () => rng.normal());
  return {
    labels: drawn,
    label: tf.tidy(() => tf.oneHot(tf.tensor1d(drawn, 'int32'), classes).toFloat() as tf.Tensor2D),
    noise: tf.tensor2d(noise, [size, noiseUnits]),
  };
}

function checkTeacher(teacher: Model, name: string): { classes: number; imageShape: number[] } {
  const shape = [...teacher.inputShape];
  if (shape.length !== 3 || shape[0] !== 32 || shape[1] !== 32) {
    throw new InvalidArgumentError('teacher', `kegnet generators make 32×32 images, but teacher "${name}" takes [${shape.join(', ')}]. Train the teacher on 32×32 data (dataset kegnet:resized).`);
  }
  if (teacher.outputShape.length !== 1) throw new InvalidArgumentError('teacher', `teacher "${name}" must output class logits [classes]; it outputs [${teacher.outputShape.join(', ')}].`);
  return { classes: teacher.outputShape[0], imageShape: shape };
}

/** Fraction of generated samples the teacher classifies as their sampled label (inference mode). */
function generatorAccuracy(generator: Model, teacher: Model, rng: Rng, count: number, classes: number, noiseUnits: number): number {
  const { labels, label, noise } = sampleGeneratorInputs(rng, count, classes, noiseUnits);
  try {
    const predicted = tf.tidy(() => tf.argMax(teacher.apply(generator.apply({ label, noise }, { training: false }), { training: false }), 1).dataSync());
    return labels.filter((value, index) => value === predicted[index]).length / count;
  } finally {
    tf.dispose([label, noise]);
  }
}

/**
 * `kegnet:generators`: trains several generators independently against a frozen teacher (KegNet
 * §3.3, Algorithm 1): each update samples uniform one-hot labels and Gaussian noise, and minimises
 * `l_cls + α l_dec + β l_div` over the generator and its decoder with one Adam. The teacher is never
 * updated and runs in inference mode (batch norm with its moving statistics — the cleaner choice the
 * digest recommends; the reference leaves a ResNet teacher in training mode). Reads no data.
 *
 * Artifacts: the generators `<id>-1` … `<id>-n` (models `kegnet:generator`). Metrics: each
 * generator's teacher accuracy on its own samples before and after training.
 */
export const generatorsStep = defineStep({
  description: 'Train several KegNet generators (with decoders) independently against a frozen teacher.',
  options: generatorsStepOptions,
  needsData: false,
  produces: (options, id) => Object.fromEntries(generatorArtifactNames(id, options.generators).map((name) => [name, 'model' as const])),
  async run(options, context: StepContext) {
    const teacher = context.artifacts.get(options.teacher, 'model').model;
    const { classes, imageShape } = checkTeacher(teacher, options.teacher);
    const names = generatorArtifactNames(context.id, options.generators);
    const generators = names.map((name, index) =>
      createGenerator({ imageShape, numClasses: classes, noiseUnits: options.noiseUnits, decoderLayers: options.decoderLayers, name, seed: context.rng.fork(`generator-${index + 1}`).int(2 ** 31) }),
    );
    const specs = [
      { use: 'kegnet:classifier', weight: 1 },
      { use: 'kegnet:decoder', weight: options.alpha },
      ...(options.beta > 0 ? [{ use: 'kegnet:diversity', weight: options.beta }] : []),
    ];
    const losses = generators.map(() => combineLosses(specs.map((spec) => ({ loss: context.createLoss({ use: spec.use }), weight: spec.weight }))));
    const optimizers = generators.map(() => createOptimizer({ type: 'adam', learningRate: options.learningRate }));
    let succeeded = false;
    try {
      const metrics: Metrics = {};
      generators.forEach((generator, index) => {
        metrics[`generator${index + 1}_initial_accuracy`] = generatorAccuracy(generator, teacher, context.rng.fork(`accuracy-before-${index}`), options.accuracySamples, classes, options.noiseUnits);
      });
      const parts = {
        models: Object.fromEntries(generators.map((generator, index) => [`generator${index + 1}`, generator])),
        optimizers: Object.fromEntries(optimizers.map((optimizer, index) => [`generator${index + 1}`, optimizer])),
      };
      const fit = await context.fit({
        name: context.id,
        epochs: options.epochs,
        batchesPerEpoch: () => options.batchesPerEpoch,
        trainBatch(position, rng) {
          const sums: Metrics = {};
          generators.forEach((generator, index) => {
            // Each generator draws its own labels and noise: independent training.
            const { labels, label, noise } = sampleGeneratorInputs(rng.fork(`generator-${index + 1}`), options.batchSize, classes, options.noiseUnits);
            const labelTensor = tf.tensor1d(labels, 'int32');
            try {
              const result = lossUpdate({ model: generator, teacher, teacherInput: 'outputs', loss: losses[index], optimizer: optimizers[index], inputs: { label, noise }, labels: labelTensor, tensors: { noise }, position });
              for (const [key, value] of Object.entries(result)) sums[key] = (sums[key] ?? 0) + value / generators.length;
            } finally {
              tf.dispose([label, noise, labelTensor]);
            }
          });
          return sums;
        },
        getState: () => getTrainingState(parts),
        setState: (state) => setTrainingState(parts, state),
      });
      generators.forEach((generator, index) => {
        metrics[`generator${index + 1}_accuracy`] = generatorAccuracy(generator, teacher, context.rng.fork(`accuracy-after-${index}`), options.accuracySamples, classes, options.noiseUnits);
      });
      context.logger.info(`${context.id}: teacher accuracy on generated samples ${generators.map((_, index) => `${(metrics[`generator${index + 1}_accuracy`] * 100).toFixed(1)}%`).join(', ')}`);
      succeeded = true;
      return {
        artifacts: Object.fromEntries(generators.map((generator, index) => [names[index], { kind: 'model' as const, model: generator }])),
        metrics: { ...fit.last, ...metrics, seconds: fit.seconds },
      };
    } finally {
      losses.forEach((loss) => loss.dispose());
      optimizers.forEach((optimizer) => optimizer.dispose());
      if (!succeeded) generators.forEach((generator) => generator.dispose());
    }
  },
});

/** Options of `kegnet:dataset`. */
export const datasetStepOptions = z.strictObject({
  /** The uncompressed teacher whose softmax outputs label the samples. */
  teacher: artifactReference('model'),
  /** Where the inputs come from: KegNet's generators, or the paper's baselines U(−1, 1) and N(0, 1) noise of the input shape. */
  source: z.enum(['generators', 'uniform', 'gaussian']).default('generators'),
  /** The `kegnet:generators` step whose generators sample (with `source: generators`). */
  generators: z.string().min(1).optional(),
  /** Samples per generator (6,400 in the paper), or in all for a noise source. */
  samples: z.number().int().positive().default(6400),
  /** Generated samples held as a `test` split (for evaluating agreement on generated data). */
  testSamples: z.number().int().min(0).default(0),
  /** Samples per class in the PNG grid written to the run directory (0: none). */
  gridPerClass: z.number().int().min(0).max(32).default(10),
});

export type DatasetStepOptions = z.input<typeof datasetStepOptions>;

/** A generated split: samples in batches through the teacher for soft labels (the teacher's softmax) and hard labels (its argmax). */
function labelSamples(name: string, teacher: Model, images: Float32Array, shape: number[], classes: number): Dataset {
  const size = shape.reduce((product, value) => product * value, 1);
  const count = images.length / size;
  const targets = new Float32Array(count * classes);
  const labels = new Int32Array(count);
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const rows = Math.min(batch, count - start);
    const [probabilities, argmax] = tf.tidy(() => {
      const logits = teacher.apply(tf.tensor(images.subarray(start * size, (start + rows) * size), [rows, ...shape]), { training: false });
      return [tf.softmax(logits).dataSync(), tf.argMax(logits, 1).dataSync()];
    });
    targets.set(probabilities, start * classes);
    labels.set(argmax, start);
  }
  return { name, images, labels, targets, shape, numClasses: classes, count };
}

/** Draws `count` samples from each generator in inference mode (labels uniform over classes, cycled). */
function generateImages(generators: Model[], rng: Rng, count: number, classes: number, noiseUnits: number, size: number): Float32Array {
  const images = new Float32Array(generators.length * count * size);
  const batch = 500;
  generators.forEach((generator, index) => {
    const generatorRng = rng.fork(`generator-${index + 1}`);
    for (let start = 0; start < count; start += batch) {
      const rows = Math.min(batch, count - start);
      const { label, noise } = sampleGeneratorInputs(generatorRng, rows, classes, noiseUnits);
      const values = tf.tidy(() => generator.apply({ label, noise }, { training: false }).dataSync());
      tf.dispose([label, noise]);
      images.set(values, (index * count + start) * size);
    }
  });
  return images;
}

/**
 * `kegnet:dataset`: a data set of a chosen size for the student, computed once and persisted as a
 * dataset artifact (a resumed run restores it instead of generating it again): samples from each
 * KegNet generator (`source: generators`, the concatenation of equal shares) or the paper's noise
 * baselines (`uniform`: U(−1, 1), `gaussian`: N(0, 1), of the teacher's input shape), labelled with
 * the uncompressed teacher's softmax outputs (soft targets) and argmax. Reads no data. With generators
 * it writes `<id>-samples.png` into the run directory: a row per class, samples of every generator.
 */
export const datasetStep = defineStep({
  description: 'Generate a persisted dataset (KegNet generators, or uniform/Gaussian noise) labelled with the teacher\'s soft outputs.',
  options: datasetStepOptions,
  needsData: false,
  produces: 'dataset',
  async run(options, context) {
    const teacher = context.artifacts.get(options.teacher, 'model').model;
    const classes = teacher.outputShape[0];
    const shape = [...teacher.inputShape];
    const size = shape.reduce((product, value) => product * value, 1);
    const rng = context.rng.fork('samples');
    let generators: Model[] = [];
    if (options.source === 'generators') {
      if (!options.generators) throw new InvalidArgumentError('generators', 'kegnet:dataset with source "generators" needs generators: the id of a kegnet:generators step.');
      const prefix = `${options.generators}-`;
      const names = context.artifacts
        .names()
        .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
        .sort((left, right) => Number(left.slice(prefix.length)) - Number(right.slice(prefix.length)));
      if (names.length === 0) throw new InvalidArgumentError('generators', `no generators "${prefix}1", … from an earlier step; available artifacts: ${context.artifacts.names().join(', ')}.`);
      generators = names.map((name) => context.artifacts.get(name, 'model').model);
      for (const [index, generator] of generators.entries()) {
        if (!tf.util.arraysEqual([...generator.outputShape], shape)) {
          throw new InvalidArgumentError('teacher', `generator "${names[index]}" makes [${generator.outputShape.join(', ')}] samples, but teacher "${options.teacher}" takes [${shape.join(', ')}].`);
        }
      }
    }
    const noiseUnits = generators[0]?.inputShapes?.noise?.[0] ?? 0;
    const draw = (count: number, label: string): Float32Array => {
      const drawRng = rng.fork(label);
      if (options.source === 'generators') return generateImages(generators, drawRng, count, classes, noiseUnits, size);
      if (options.source === 'uniform') return Float32Array.from({ length: count * size }, () => drawRng.next() * 2 - 1);
      return Float32Array.from({ length: count * size }, () => drawRng.normal());
    };
    const train = labelSamples(`${context.id}`, teacher, draw(options.samples, 'train'), shape, classes);
    const test = options.testSamples > 0 ? labelSamples(`${context.id}-test`, teacher, draw(options.testSamples, 'test'), shape, classes) : undefined;
    const metrics: Metrics = { samples: train.count };
    // How confidently and how evenly the teacher labels the samples.
    let confidence = 0;
    const perClass = new Array<number>(classes).fill(0);
    for (let index = 0; index < train.count; index += 1) {
      confidence += train.targets![index * classes + train.labels[index]];
      perClass[train.labels[index]] += 1;
    }
    metrics.teacher_confidence = confidence / train.count;
    metrics.classes_covered = perClass.filter((count) => count > 0).length;
    metrics.largest_class_share = Math.max(...perClass) / train.count;
    if (options.source === 'generators' && options.gridPerClass > 0 && (shape[2] === 1 || shape[2] === 3)) {
      await writeSampleGrid(generators, context, options.gridPerClass, classes, noiseUnits, shape as [number, number, number]);
    }
    return { artifacts: { [context.id]: { kind: 'dataset', dataset: { train, ...(test ? { test } : {}) } } }, metrics };
  },
});

/** A PNG grid: one row per class, `perClass` samples spread over the generators. */
async function writeSampleGrid(generators: Model[], context: StepContext, perClass: number, classes: number, noiseUnits: number, shape: [number, number, number]): Promise<void> {
  const size = shape[0] * shape[1] * shape[2];
  const images = new Float32Array(classes * perClass * size);
  const rng = context.rng.fork('grid');
  for (let column = 0; column < perClass; column += 1) {
    const generator = generators[column % generators.length];
    const labels = Int32Array.from({ length: classes }, (_, index) => index);
    const { label, noise } = sampleGeneratorInputs(rng, classes, classes, noiseUnits, labels);
    const values = tf.tidy(() => generator.apply({ label, noise }, { training: false }).dataSync());
    tf.dispose([label, noise]);
    for (let row = 0; row < classes; row += 1) images.set(values.subarray(row * size, (row + 1) * size), (row * perClass + column) * size);
  }
  const file = path.join(context.runDirectory, `${context.id}-samples.png`);
  await writeFile(file, encodePng(imageGrid({ images, count: classes * perClass, shape, columns: perClass, scale: 2 })));
  context.logger.info(`${context.id}: generated samples per class (rows) in ${file}`);
}
