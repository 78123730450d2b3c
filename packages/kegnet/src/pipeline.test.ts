// The data-free claim, tested: the config has no `data` section at all, so a step after the teacher
// that read the training images (or any of the run's data) would fail. The teacher is trained by a
// toy step on its own synthetic 32×32 images, which it keeps to itself. The teacher is a small MLP
// (the pure-JS backend of the tests is slow at convolutions); compress-step.test.ts covers LeNet-5.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createSyntheticSplits } from '@core/datasets';
import { createClassifierTrainer, definePlugin, defineStep, prepareConfig, resumeRun, runPipeline, trainModel } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plugin } from './index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'kegnet-pipeline-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const classes = 3;
const synthetic = createSyntheticSplits({ count: 60, testCount: 30, shape: [32, 32, 1], numClasses: classes, noise: 0.3, seed: 4 });

function toyPlugin(counters: { crashes: number }) {
  return definePlugin({
    meta: { name: 'toy', version: '1.0.0', runtime: '*' },
    steps: {
      // Trains a classifier on private synthetic images (not the run's data: there is none).
      teacher: defineStep({
        options: z.strictObject({}),
        needsData: false,
        produces: 'model',
        async run(_options, context) {
          const { model, fit } = await trainModel(
            context,
            {
              model: { use: 'core:mlp', hidden: [32, 16], seed: 3 },
              loss: [{ use: 'core:cross-entropy' }],
              optimizer: { type: 'adam', learningRate: 0.003 },
              schedule: { type: 'constant' },
              epochs: 2,
              batchesPerEpoch: Math.floor(synthetic.train.count / 30),
              inputShape: synthetic.train.shape,
              numClasses: classes,
            },
            (parts) => createClassifierTrainer({ ...parts, train: synthetic.train, epochs: 2, batchSize: 30 }),
          );
          return { artifacts: { [context.id]: { kind: 'model', model } }, metrics: fit.last };
        },
      }),
      // Fails once, like a killed process, after the datasets exist.
      crash: defineStep({
        options: z.strictObject({}),
        needsData: false,
        produces: () => ({}),
        async run() {
          if (counters.crashes > 0) {
            counters.crashes -= 1;
            throw new Error('simulated crash');
          }
          return {};
        },
      }),
    },
  });
}

const distill = (id: string, data: string) => ({ id, use: 'core:distill', teacher: 'teacher', model: 'student', data, loss: [{ use: 'core:soft-targets' }], epochs: 1, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.001 } });

const config = {
  name: 'kegnet-pipeline',
  seed: 9,
  backend: 'cpu',
  steps: [
    { id: 'teacher', use: 'toy:teacher' },
    { id: 'generators', use: 'kegnet:generators', teacher: 'teacher', generators: 2, epochs: 2, batchesPerEpoch: 2, batchSize: 12, beta: 1, learningRate: 0.02, accuracySamples: 48 },
    { id: 'generated', use: 'kegnet:dataset', teacher: 'teacher', generators: 'generators', samples: 24, testSamples: 12, gridPerClass: 2 },
    { id: 'uniform', use: 'kegnet:dataset', teacher: 'teacher', source: 'uniform', samples: 32 },
    { id: 'student', use: 'kegnet:compress', model: 'teacher', layers: { hidden1: 'evbmf', features: { rank: 4 } } },
    { id: 'crash', use: 'toy:crash' },
    distill('kegnet', 'generated'),
    { id: 'agreement', use: 'core:evaluate', data: 'generated', models: ['teacher', 'student', 'kegnet'] },
  ],
};

describe('the KegNet pipeline', () => {
  it('runs after the teacher without any data, persists its datasets across a resume, and compresses for real', async () => {
    const before = tf.memory().numTensors;
    const counters = { crashes: 1 };
    const runDirectory = path.join(directory, 'run');
    const options = { plugins: [plugin, toyPlugin(counters)], runDirectory };
    const failed = await runPipeline({ config, directory }, options).catch((error: unknown) => error);
    expect((failed as Error).message).toMatch(/simulated crash/);
    const artifactFile = path.join(runDirectory, 'steps/generated/artifacts/generated/artifact.json');
    const saved = JSON.parse(readFileSync(artifactFile, 'utf8'));
    expect(saved).toMatchObject({ kind: 'dataset', splits: { train: { count: 48, shape: [32, 32, 1], targets: true }, test: { count: 24 } } });
    const writtenAt = statSync(artifactFile).mtimeMs;
    expect(existsSync(path.join(runDirectory, 'generated-samples.png'))).toBe(true);

    const summary = await resumeRun(runDirectory, options);
    // The generated data set was restored, not generated again.
    expect(statSync(artifactFile).mtimeMs).toBe(writtenAt);
    const generators = summary.steps.generators.metrics!;
    for (const index of [1, 2]) expect(generators[`generator${index}_accuracy`]).toBeGreaterThan(generators[`generator${index}_initial_accuracy`]);
    const compressed = summary.steps.student.metrics!;
    expect(compressed.params).toBeLessThan(compressed.source_params);
    expect(compressed.flops).toBeLessThan(compressed.source_flops);
    expect(compressed.hidden1_rank).toBe(Math.max(1, compressed.hidden1_evbmf_rank));
    expect(compressed.features_rank).toBe(4);
    // The student fits the teacher's soft labels on generated samples.
    const agreement = summary.steps.agreement.metrics!;
    expect(agreement.kegnet_accuracy).toBeGreaterThan(0.5);
    expect(agreement.kegnet_params).toBe(compressed.params);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is refused before anything runs when a later step would read the run\'s data', async () => {
    const reading = { ...config, steps: [...config.steps.slice(0, 5), { ...distill('kegnet', 'generated'), data: undefined }] };
    await expect(prepareConfig({ config: reading, directory }, { plugins: [plugin, toyPlugin({ crashes: 0 })] })).rejects.toThrow(/needs data: add a "data" section/);
  });
});
