// The contracts an architecture search (TAS) builds on, from the plugin's side: a model built from
// variables plus a forward function, with weights and architecture logits in separate variable
// groups, apply options carrying the search temperature and a seeded generator for Gumbel samples,
// two optimisers (SGD on the weights, Adam on the architecture) checkpointed together, and a run that
// is interrupted (Ctrl-C) or crashes mid-epoch and resumes to the same architecture.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createBatches, type ArrayDataset } from '@core/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createFunctionModel,
  createOptimizer,
  defineModel,
  definePlugin,
  defineStep,
  getTrainingState,
  lossUpdate,
  combineLosses,
  createCrossEntropyLoss,
  resumeRun,
  runPipeline,
  RunInterruptedError,
  setTrainingState,
  type Model,
  type Rng,
  type Trainer,
} from '../src/index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-supernet-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Two candidate hidden widths (2 or 6 of 6 units), mixed by a Gumbel-softmax over the architecture logits. */
function createToySupernet(inputUnits: number, classes: number, seed: number): Model {
  const widths = [2, 6];
  const initial = (shape: number[], salt: number) => tf.randomNormal(shape, 0, 0.5, 'float32', seed + salt);
  const variables = [
    { name: 'hidden/kernel', initial: initial([inputUnits, 6], 1) },
    ...widths.map((width, index) => ({ name: `head${width}/kernel`, initial: initial([width, classes], 2 + index) })),
    { name: 'arch/width', initial: tf.zeros([widths.length]), group: 'architecture' },
  ];
  const model = createFunctionModel({
    name: 'supernet',
    spec: { use: 'toy:supernet', seed },
    inputShape: [inputUnits],
    outputShape: [classes],
    variables,
    layerNames: ['hidden'],
    forward(inputs, { variables: weights, options, tap }) {
      const flat = tf.reshape(inputs as tf.Tensor, [-1, inputUnits]);
      const hidden = tap('hidden', tf.relu(tf.matMul(flat, weights['hidden/kernel'])));
      const outputs = widths.map((width) => tf.matMul(tf.slice(hidden, [0, 0], [-1, width]), weights[`head${width}/kernel`]));
      const temperature = (options.temperature as number | undefined) ?? 1;
      const rng = options.rng;
      // Gumbel noise from the step's generator: the same draws after a resume.
      const noise = tf.tensor1d(widths.map(() => (rng ? -Math.log(-Math.log(Math.max(rng.next(), 1e-12))) : 0)));
      const mixture = tf.softmax(tf.div(tf.add(tf.logSoftmax(weights['arch/width']), noise), temperature));
      return tf.addN(outputs.map((output, index) => tf.mul(output, tf.slice(mixture, [index], [1]))));
    },
  });
  tf.dispose(variables.map((variable) => variable.initial));
  return model;
}

function createSearchTrainer(model: Model, data: ArrayDataset, epochs: number, crashAt?: { epoch: number; batch: number }): Trainer {
  const weightOptimizer = createOptimizer({ type: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const architectureOptimizer = createOptimizer({ type: 'adam', learningRate: 0.01, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3 });
  const loss = combineLosses([{ loss: createCrossEntropyLoss({ labelSmoothing: 0 }), weight: 1 }]);
  let batches: ReturnType<typeof createBatches> = [];
  const parts = { model, optimizers: { weights: weightOptimizer, architecture: architectureOptimizer } };
  const tensorsOf = (index: number) => {
    const batch = batches[index % batches.length];
    return { inputs: tf.tensor(batch.images, [batch.size, ...data.shape]), labels: tf.tensor1d(batch.labels, 'int32') };
  };
  return {
    name: 'search',
    epochs,
    batchesPerEpoch: () => Math.floor(batches.length / 2) || 4,
    startEpoch(_epoch: number, rng: Rng) {
      batches = createBatches(data, { batchSize: 16, shuffle: true, random: rng, dropLast: true });
    },
    trainBatch(position, rng) {
      if (crashAt && position.epoch === crashAt.epoch && position.batch === crashAt.batch) throw new Error('simulated crash (the process was killed)');
      const temperature = 5 - (4.9 * position.epoch) / Math.max(1, epochs - 1);
      // Weight step on one half of the batches, architecture step on the other, each with fresh Gumbel samples.
      const weightBatch = tensorsOf(2 * position.batch);
      const architectureBatch = tensorsOf(2 * position.batch + 1);
      try {
        const weightMetrics = lossUpdate({
          model, loss, optimizer: weightOptimizer, inputs: weightBatch.inputs, labels: weightBatch.labels, position,
          variables: model.trainableVariables('weights'), applyOptions: { temperature, rng },
        });
        const architectureMetrics = lossUpdate({
          model, loss, optimizer: architectureOptimizer, inputs: architectureBatch.inputs, labels: architectureBatch.labels, position,
          variables: model.trainableVariables('architecture'), applyOptions: { temperature, rng },
        });
        const metrics: Record<string, number> = { loss: weightMetrics.loss, temperature };
        // The architecture loss is reported on every other batch only: its epoch mean counts those batches.
        if (position.batch % 2 === 0) metrics.arch_loss = architectureMetrics.loss;
        return metrics;
      } finally {
        tf.dispose([weightBatch.inputs, weightBatch.labels, architectureBatch.inputs, architectureBatch.labels]);
      }
    },
    evaluate: () => ({ width_logit: model.trainableVariables('architecture')[0].dataSync()[1] }),
    getState: () => getTrainingState(parts),
    setState: (state) => setTrainingState(parts, state),
    dispose() {
      weightOptimizer.dispose();
      architectureOptimizer.dispose();
      loss.dispose();
    },
  };
}

function toyPlugin(crash: { at?: { epoch: number; batch: number } } = {}) {
  return definePlugin({
    meta: { name: 'toy', version: '1.0.0', runtime: '*' },
    models: {
      supernet: defineModel({
        options: z.strictObject({ seed: z.number().int().optional() }),
        create: (options, context) => createToySupernet(context.inputShape!.reduce((a, b) => a * b, 1), context.numClasses!, options.seed ?? context.rng.seed()),
      }),
    },
    steps: {
      search: defineStep({
        options: z.strictObject({ epochs: z.number().int().default(3) }),
        produces: 'architecture',
        async run(options, context) {
          const model = context.createModel({ use: 'toy:supernet' }, { name: 'supernet' });
          const trainer = createSearchTrainer(model, context.data.train, options.epochs, crash.at);
          try {
            const fit = await context.fit(trainer);
            const logits = Array.from(model.trainableVariables('architecture')[0].dataSync());
            crash.at = undefined;
            return { artifacts: { [context.id]: { kind: 'architecture', spec: { use: 'core:mlp', hidden: [logits[1] > logits[0] ? 6 : 2] }, details: { logits } } }, metrics: fit.last };
          } finally {
            trainer.dispose?.();
            model.dispose();
          }
        },
      }),
    },
  });
}

const config = {
  name: 'supernet',
  seed: 11,
  backend: 'cpu',
  data: { dataset: { use: 'core:synthetic', count: 256, testCount: 32, shape: [3, 3, 1], numClasses: 3, seed: 2, noise: 0.2 }, validation: 0 },
  steps: [
    { id: 'search', use: 'toy:search', epochs: 3 },
    { id: 'derived', use: 'core:train', model: 'search', epochs: 1, batchSize: 32 },
  ],
};

describe('a supernet with weight and architecture groups', () => {
  it('trains each group with its own optimiser, and resumes after Ctrl-C or a crash to the same architecture', async () => {
    const before = tf.memory().numTensors;
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [toyPlugin()] });
    expect(tf.memory().numTensors).toBe(before);
    const search = uninterrupted.steps.search.metrics!;
    expect(search.arch_loss).toBeGreaterThan(0);
    expect(search.temperature).toBeCloseTo(0.1, 6);

    // Ctrl-C in the second epoch: an interrupt checkpoint mid-epoch, resumed in place.
    const controller = new AbortController();
    let batches = 0;
    const interrupted = await runPipeline({ config, directory }, {
      plugins: [toyPlugin()],
      signal: controller.signal,
      events: { onBatchEnd: () => void (++batches === 11 && controller.abort()) },
    }).catch((error: unknown) => error);
    expect(RunInterruptedError.isInstance(interrupted)).toBe(true);
    const resumed = await resumeRun((interrupted as RunInterruptedError).runDirectory!, { plugins: [toyPlugin()] });

    // A crash mid-epoch writes nothing: the resume starts from the last epoch checkpoint.
    const crashedRun = path.join(directory, 'crashed');
    const crashed = await runPipeline({ config, directory }, { plugins: [toyPlugin({ at: { epoch: 1, batch: 3 } })], runDirectory: crashedRun }).catch((error: unknown) => error);
    expect((crashed as Error).message).toMatch(/simulated crash/);
    expect(JSON.parse(readFileSync(path.join(crashedRun, 'summary.json'), 'utf8')).status).toBe('failed');
    const recovered = await resumeRun(crashedRun, { plugins: [toyPlugin()] });

    for (const summary of [resumed, recovered]) {
      expect(summary.status).toBe('done');
      expect(summary.steps.search.metrics).toEqual(search);
      expect(summary.steps.derived.metrics?.loss).toBe(uninterrupted.steps.derived.metrics?.loss);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
