// The contracts data-free distillation (KegNet) builds on, from the plugin's side: a generator with
// two named inputs (label, noise) trained with gradients through a frozen classifier, by losses that
// are ordinary registered components reading named tensors; a generated dataset artifact with the
// teacher's soft labels, persisted so that a resume does not compute it again; and `core:train` on
// `data: <artifact>` with the `core:soft-targets` loss.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  artifactReference,
  combineLosses,
  createFunctionModel,
  createOptimizer,
  defineLoss,
  definePlugin,
  defineStep,
  getTrainingState,
  lossUpdate,
  resumeRun,
  runPipeline,
  setTrainingState,
  type Dataset,
  type Model,
  type Rng,
  type StepContext,
} from '../src/index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-generator-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const classes = 3;
const noiseUnits = 2;
const imageShape = [4, 4, 1];

function createGenerator(seed: number): Model {
  const variables = [
    { name: 'dense/kernel', initial: tf.randomNormal([classes + noiseUnits, 16], 0, 0.3, 'float32', seed) },
    { name: 'dense/bias', initial: tf.zeros([16]) },
  ];
  const generator = createFunctionModel({
    name: 'generator',
    spec: { use: 'toy:generator', seed },
    inputShape: [classes],
    inputShapes: { label: [classes], noise: [noiseUnits] },
    outputShape: imageShape,
    variables,
    forward(inputs, { variables: weights }) {
      const { label, noise } = inputs as Record<string, tf.Tensor>;
      const hidden = tf.add(tf.matMul(tf.concat([label, noise], 1), weights['dense/kernel']), weights['dense/bias']);
      return tf.reshape(tf.mul(tf.tanh(hidden), 3), [-1, ...imageShape]);
    },
  });
  tf.dispose(variables.map((variable) => variable.initial));
  return generator;
}

/** Labels and noise for one generator batch, from the step's generator. */
function sampleInputs(rng: Rng, size: number) {
  const labels = Int32Array.from({ length: size }, () => rng.int(classes));
  const noise = Float32Array.from({ length: size * noiseUnits }, () => rng.normal());
  const label = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
  return { labels, label, noise: tf.tensor2d(noise, [size, noiseUnits]) };
}

function toyPlugin(counters: { generated: number; crashStudentAt?: number }) {
  return definePlugin({
    meta: { name: 'toy', version: '1.0.0', runtime: '*' },
    losses: {
      // Cross-entropy of the frozen classifier on generated samples against the sampled labels.
      classifier: defineLoss({
        options: z.strictObject({}),
        create: () => ({
          name: 'classifier',
          needs: { teacherGradient: true, labels: true },
          compute: (context) => tf.losses.softmaxCrossEntropy(tf.oneHot(context.labels!, classes), context.teacherOutputs!) as tf.Scalar,
        }),
      }),
      // Pushes samples apart in proportion to their noise distance (a diversity term); reads the named noise tensor.
      spread: defineLoss({
        options: z.strictObject({}),
        create: () => ({
          name: 'spread',
          needs: { tensors: ['noise'] },
          compute: (context) =>
            tf.tidy(() => {
              const flat = tf.reshape(context.outputs, [context.outputs.shape[0], -1]);
              const noise = context.tensors.noise;
              const sampleDistance = tf.mean(tf.abs(tf.sub(tf.expandDims(flat, 0), tf.expandDims(flat, 1))), 2);
              const noiseDistance = tf.mean(tf.square(tf.sub(tf.expandDims(noise, 0), tf.expandDims(noise, 1))), 2);
              return tf.exp(tf.neg(tf.mean(tf.mul(sampleDistance, noiseDistance)))) as tf.Scalar;
            }),
        }),
      }),
    },
    steps: {
      generate: defineStep({
        options: z.strictObject({ teacher: artifactReference('model'), epochs: z.number().int().default(4), samples: z.number().int().default(96) }),
        produces: 'dataset',
        async run(options, context: StepContext) {
          counters.generated += 1;
          const teacher = context.artifacts.get(options.teacher, 'model').model;
          const frozen = teacher.getWeights();
          const before = Object.fromEntries(Object.entries(frozen).map(([name, tensor]) => [name, Array.from(tensor.dataSync())]));
          const generator = createGenerator(context.rng.seed());
          const loss = combineLosses([
            { loss: context.createLoss({ use: 'toy:classifier' }), weight: 1 },
            { loss: context.createLoss({ use: 'toy:spread' }), weight: 0.1 },
          ]);
          const optimizer = createOptimizer({ type: 'adam', learningRate: 0.05 });
          const teacherAccuracy = (rng: Rng) =>
            tf.tidy(() => {
              const { labels, label, noise } = sampleInputs(rng, 64);
              const predicted = tf.argMax(teacher.apply(generator.apply({ label, noise }), { training: false }), 1).dataSync();
              return labels.filter((value, index) => value === predicted[index]).length / labels.length;
            });
          const initialAccuracy = teacherAccuracy(context.rng.fork('before'));
          try {
            await context.fit({
              name: 'generator',
              epochs: options.epochs,
              batchesPerEpoch: () => 10,
              trainBatch(position, rng) {
                const { labels, label, noise } = sampleInputs(rng, 32);
                const labelTensor = tf.tensor1d(labels, 'int32');
                try {
                  return lossUpdate({ model: generator, teacher, teacherInput: 'outputs', loss, optimizer, inputs: { label, noise }, labels: labelTensor, tensors: { noise }, position });
                } finally {
                  tf.dispose([label, noise, labelTensor]);
                }
              },
              getState: () => getTrainingState({ model: generator, optimizer }),
              setState: (state) => setTrainingState({ model: generator, optimizer }, state),
            });
            // The frozen classifier did not move; the generator learned to make it say the sampled label.
            for (const [name, tensor] of Object.entries(teacher.getWeights())) expect(Array.from(tensor.dataSync())).toEqual(before[name]);
            const finalAccuracy = teacherAccuracy(context.rng.fork('after'));
            const rng = context.rng.fork('dataset');
            const generateSplit = (count: number): Dataset =>
              tf.tidy(() => {
                const { labels, label, noise } = sampleInputs(rng, count);
                const samples = generator.apply({ label, noise });
                const targets = tf.softmax(teacher.apply(samples, { training: false }));
                return { name: 'generated', shape: imageShape, numClasses: classes, count, labels, images: samples.dataSync() as Float32Array, targets: targets.dataSync() as Float32Array };
              });
            const dataset = { train: generateSplit(options.samples), test: generateSplit(48) };
            return { artifacts: { [context.id]: { kind: 'dataset', dataset } }, metrics: { initial_teacher_accuracy: initialAccuracy, teacher_accuracy: finalAccuracy } };
          } finally {
            loss.dispose();
            optimizer.dispose();
            generator.dispose();
          }
        },
      }),
      // Crashes once at a chosen batch of the student's training, like a killed process.
      crash: defineStep({
        options: z.strictObject({}),
        produces: () => ({}),
        async run() {
          if (counters.crashStudentAt !== undefined) {
            counters.crashStudentAt = undefined;
            throw new Error('simulated crash (the process was killed)');
          }
          return {};
        },
      }),
    },
  });
}

const config = {
  name: 'generator',
  seed: 5,
  backend: 'cpu',
  data: { dataset: { use: 'core:synthetic', count: 192, testCount: 96, shape: imageShape, numClasses: classes, seed: 3, noise: 0.2 }, validation: 0 },
  steps: [
    { id: 'teacher', use: 'core:train', model: { use: 'core:mlp', hidden: [16] }, epochs: 4, batchSize: 16 },
    { id: 'generate', use: 'toy:generate', teacher: 'teacher' },
    { id: 'crash', use: 'toy:crash' },
    { id: 'student', use: 'core:train', data: 'generate', model: { use: 'core:mlp', hidden: [8] }, epochs: 5, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, loss: [{ use: 'core:soft-targets' }] },
    { id: 'evaluate', use: 'core:evaluate', models: ['teacher', 'student'] },
    { id: 'evaluate-generated', use: 'core:evaluate', data: 'generate', models: ['teacher', 'student'] },
  ],
};

describe('a generator trained against a frozen classifier', () => {
  it('learns through the frozen teacher, and its dataset artifact survives a resume without being generated again', async () => {
    const before = tf.memory().numTensors;
    const counters = { generated: 0 };
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [toyPlugin(counters)] });
    expect(tf.memory().numTensors).toBe(before);
    expect(counters.generated).toBe(1);
    const generate = uninterrupted.steps.generate.metrics!;
    expect(generate.teacher_accuracy).toBeGreaterThan(0.9);
    expect(generate.teacher_accuracy).toBeGreaterThan(generate.initial_teacher_accuracy + 0.3);
    // A student trained on generated samples and soft labels only learns what the teacher says of them.
    const generated = uninterrupted.steps['evaluate-generated'].metrics!;
    expect(generated.teacher_accuracy).toBeGreaterThan(0.9);
    expect(generated.student_accuracy).toBeGreaterThan(0.8);

    const crashing = { generated: 0, crashStudentAt: 1 };
    const runDirectory = path.join(directory, 'crashed');
    const failed = await runPipeline({ config, directory }, { plugins: [toyPlugin(crashing)], runDirectory }).catch((error: unknown) => error);
    expect((failed as Error).message).toMatch(/simulated crash/);
    expect(crashing.generated).toBe(1);
    const saved = JSON.parse(readFileSync(path.join(runDirectory, 'steps/generate/artifacts/generate/artifact.json'), 'utf8'));
    expect(saved).toMatchObject({ kind: 'dataset', splits: { train: { count: 96, shape: imageShape, targets: true }, test: { count: 48 } } });
    const resumed = await resumeRun(runDirectory, { plugins: [toyPlugin(crashing)] });
    expect(crashing.generated).toBe(1);
    expect(resumed.steps.student.metrics?.loss).toBe(uninterrupted.steps.student.metrics?.loss);
    expect(resumed.steps.evaluate.metrics).toEqual(uninterrupted.steps.evaluate.metrics);
    expect(resumed.steps['evaluate-generated'].metrics).toEqual(generated);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is refused by validate when a step names a dataset that is not one, or the data a run lacks', async () => {
    const { prepareConfig } = await import('../src/index');
    const wrongKind = { ...config, steps: [config.steps[0], { ...config.steps[3], data: 'teacher' }] };
    await expect(prepareConfig({ config: wrongKind, directory }, { plugins: [toyPlugin({ generated: 0 })] })).rejects.toThrow(
      /steps\[1\]\.data: "teacher" is a model, but a dataset is needed here\. No earlier step produces one\./,
    );
    const { data: _data, ...dataless } = config;
    await expect(prepareConfig({ config: dataless, directory }, { plugins: [toyPlugin({ generated: 0 })] })).rejects.toThrow(/steps\[0\]: step "teacher" needs data: add a "data" section/);
  });
});
