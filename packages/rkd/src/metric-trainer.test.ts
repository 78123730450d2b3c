import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createSyntheticSplits, selectClasses } from '@core/datasets';
import { combineLosses, createOptimizer, createRng, runTrainingLoop, type LoopPosition, type Trainer } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestComponentContext } from './__fixtures__/contexts';
import { createMetricTrainer } from './metric-trainer';
import { createMlpEmbedding } from './mlp-embedding';
import { angleLossDefinition, distanceLossDefinition } from './relational-loss-definitions';
import { tripletLossDefinition } from './triplet-loss-definition';

const splits = createSyntheticSplits({ count: 96, testCount: 48, shape: [4, 4, 1], numClasses: 6, seed: 5, noise: 0.2 });
const train = selectClasses(splits.train, [0, 1, 2]);
const test = selectClasses(splits.test, [3, 4, 5]);

function buildTrainer(kind: 'triplet' | 'distill', seed = 1): { trainer: Trainer; release: () => void } {
  const context = createTestComponentContext(seed);
  const model = createMlpEmbedding({ inputShape: [4, 4, 1], hidden: [8], dimension: 3, seed });
  const teacher = kind === 'distill' ? createMlpEmbedding({ inputShape: [4, 4, 1], hidden: [8], dimension: 5, l2normalize: true, seed: 77 }) : undefined;
  const loss =
    kind === 'triplet'
      ? combineLosses([{ loss: tripletLossDefinition.create(tripletLossDefinition.options.parse({ sampling: 'all' }), context), weight: 1 }])
      : combineLosses([
          { loss: distanceLossDefinition.create(distanceLossDefinition.options.parse({ student: 'embedding', teacher: 'embedding', l2normalizeTeacher: true }), context), weight: 1 },
          { loss: angleLossDefinition.create(angleLossDefinition.options.parse({ student: 'embedding', teacher: 'embedding', l2normalizeTeacher: true }), context), weight: 2 },
        ]);
  const optimizer = createOptimizer({ type: 'adam', learningRate: 0.01 });
  const trainer = createMetricTrainer({
    model,
    teacher,
    loss,
    optimizer,
    schedule: () => 0.01,
    train,
    test,
    epochs: 2,
    batchesPerEpoch: 3,
    batchSize: 12,
    imagesPerClass: 4,
    recallK: [1, 2],
    evaluateEvery: 2,
  });
  return {
    trainer,
    release: () => {
      model.dispose();
      teacher?.dispose();
      loss.dispose();
      optimizer.dispose();
    },
  };
}

const position = (batch: number): LoopPosition => ({ stage: 'test', epoch: 0, epochs: 2, batch, batches: 3, globalStep: batch });

describe('createMetricTrainer', () => {
  it('trains with the triplet loss on class-balanced batches and evaluates Recall@K without leaking', async () => {
    const before = tf.memory().numTensors;
    const { trainer, release } = buildTrainer('triplet');
    const rng = createRng(1);
    await trainer.startEpoch?.(0, rng);
    const losses: number[] = [];
    for (let batch = 0; batch < 3; batch += 1) {
      const metrics = await trainer.trainBatch(position(batch), rng);
      expect(Number.isFinite(metrics.loss)).toBe(true);
      expect(metrics.lr).toBe(0.01);
      losses.push(metrics.loss);
    }
    const evaluation = await trainer.evaluate!(1);
    expect(Object.keys(evaluation)).toEqual(['recall_at_1', 'recall_at_2']);
    expect(evaluation.recall_at_2).toBeGreaterThanOrEqual(evaluation.recall_at_1);
    expect(await trainer.evaluate!(0)).toEqual({});
    release();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('distils from a frozen teacher and round-trips its state', async () => {
    const before = tf.memory().numTensors;
    const { trainer, release } = buildTrainer('distill');
    const rng = createRng(2);
    await trainer.startEpoch?.(0, rng);
    const metrics = await trainer.trainBatch(position(0), rng);
    expect(Object.keys(metrics).sort()).toEqual(['loss', 'loss_rkd:angle', 'loss_rkd:distance', 'lr']);
    expect(metrics.loss).toBeCloseTo(metrics['loss_rkd:distance'] + 2 * metrics['loss_rkd:angle'], 5);
    const state = trainer.getState();
    expect(Object.keys(state)).toContain('optimizer/m/model/embedding/kernel');
    const { trainer: other, release: releaseOther } = buildTrainer('distill', 9);
    other.setState(state);
    const otherState = other.getState();
    for (const [key, tensor] of Object.entries(state)) expect(Array.from(otherState[key].dataSync())).toEqual(Array.from(tensor.dataSync()));
    tf.dispose([...Object.values(state), ...Object.values(otherState)]);
    release();
    releaseOther();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a teacher loss without a teacher', () => {
    const context = createTestComponentContext();
    const loss = combineLosses([{ loss: distanceLossDefinition.create(distanceLossDefinition.options.parse({}), context), weight: 1 }]);
    expect(() =>
      createMetricTrainer({
        model: undefined as never,
        loss,
        optimizer: undefined as never,
        schedule: () => 0,
        train,
        epochs: 1,
        batchesPerEpoch: 1,
        batchSize: 4,
        imagesPerClass: 2,
      }),
    ).toThrow(/rkd:metric-distill/);
  });
});

describe('createMetricTrainer under the training loop', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'rkd-metric-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('ends with the same weights when interrupted and resumed', async () => {
    const events = {};
    const finalWeights = (trainer: Trainer): Record<string, number[]> => {
      const state = trainer.getState();
      const values = Object.fromEntries(Object.entries(state).map(([key, tensor]) => [key, Array.from(tensor.dataSync())]));
      tf.dispose(Object.values(state));
      return values;
    };

    const straight = buildTrainer('triplet');
    const straightResult = await runTrainingLoop(straight.trainer, { stage: 'a', rng: createRng(4), directory: path.join(directory, 'a'), events });
    const expected = finalWeights(straight.trainer);
    straight.release();

    const controller = new AbortController();
    const first = buildTrainer('triplet');
    await expect(
      runTrainingLoop(first.trainer, {
        stage: 'b',
        rng: createRng(4),
        directory: path.join(directory, 'b'),
        signal: controller.signal,
        events: { onBatchEnd: (at) => (at.globalStep === 4 ? controller.abort() : undefined) },
      }),
    ).rejects.toThrow(/interrupted/);
    first.release();

    const resumed = buildTrainer('triplet');
    const resumedResult = await runTrainingLoop(resumed.trainer, { stage: 'b', rng: createRng(4), directory: path.join(directory, 'b'), events });
    expect(finalWeights(resumed.trainer)).toEqual(expected);
    expect(resumedResult.last.val_recall_at_1).toBe(straightResult.last.val_recall_at_1);
    resumed.release();
  });
});
