import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, prepareConfig, RunInterruptedError, runPipeline } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plugin } from './index';
import { metricDistillStepOptions, metricTrainStepOptions } from './metric-steps';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'rkd-steps-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const training = { epochs: 1, batchesPerEpoch: 2, batchSize: 12, trainClasses: [0, 1, 2], testClasses: [3, 4, 5], recallK: [1, 2] };

function config(steps: unknown[]) {
  return {
    name: 'rkd-metric-test',
    seed: 1,
    backend: 'cpu',
    data: { dataset: { use: 'core:synthetic', count: 72, testCount: 36, shape: [6, 6, 1], numClasses: 6, seed: 2, noise: 0.2 }, validation: 0 },
    steps,
  };
}

describe('metric steps', () => {
  it('fill the paper defaults', () => {
    const distill = metricDistillStepOptions.parse({ teacher: 'teacher', model: { use: 'rkd:mlp-embedding' } });
    expect(distill.loss).toEqual([
      { use: 'rkd:distance', weight: 1, student: 'embedding', teacher: 'embedding', l2normalizeTeacher: true },
      { use: 'rkd:angle', weight: 2, student: 'embedding', teacher: 'embedding', l2normalizeTeacher: true },
    ]);
    expect(distill.optimizer).toMatchObject({ type: 'adam', learningRate: 1e-3 });
    const train = metricTrainStepOptions.parse({ model: 'teacher' });
    expect(train).toMatchObject({ loss: [{ use: 'rkd:triplet' }], trainClasses: [0, 1, 2, 3, 4], testClasses: [5, 6, 7, 8, 9], recallK: [1, 2, 4, 8] });
    expect(metricTrainStepOptions.safeParse({ model: 'teacher', epoch: 3 }).success).toBe(false);
  });

  it('train a teacher with the triplet loss and distil a student through the runner', async () => {
    const before = tf.memory().numTensors;
    const summary = await runPipeline(
      {
        config: config([
          {
            id: 'teacher',
            use: 'rkd:metric-train',
            model: { use: 'rkd:cnn-embedding', dimension: 4, filters: [2, 2], hiddenUnits: 8, l2normalize: true },
            loss: [{ use: 'rkd:triplet', sampling: 'distance-weighted' }],
            ...training,
          },
          {
            id: 'student',
            use: 'rkd:metric-distill',
            teacher: 'teacher',
            model: { use: 'rkd:mlp-embedding', hidden: [8], dimension: 2 },
            ...training,
          },
        ]),
        directory,
      },
      { plugins: [plugin] },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(summary.status).toBe('done');
    const teacher = summary.steps.teacher.metrics!;
    const student = summary.steps.student.metrics!;
    for (const metrics of [teacher, student]) {
      expect(metrics.recall_at_1).toBeGreaterThanOrEqual(0);
      expect(metrics.recall_at_2).toBeGreaterThanOrEqual(metrics.recall_at_1);
    }
    expect(student.teacher_recall_at_1).toBe(teacher.recall_at_1);
  });

  it('leaks no tensors when interrupted, and names how to resume', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const error = await runPipeline(
      { config: config([{ id: 'student', use: 'rkd:metric-train', model: { use: 'rkd:mlp-embedding', hidden: [8], dimension: 2 }, ...training }]), directory },
      { plugins: [plugin], signal: controller.signal, events: { onBatchEnd: () => controller.abort() } },
    ).catch((caught: unknown) => caught);
    expect(RunInterruptedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/Resume with: resumeRun/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('report a bad loss option and a missing teacher before running', async () => {
    const error = await prepareConfig(
      {
        config: config([
          {
            id: 'student',
            use: 'rkd:metric-distill',
            teacher: 'nobody',
            model: { use: 'rkd:mlp-embedding' },
            loss: [{ use: 'rkd:distance', studnet: 'embedding' }],
          },
        ]),
        directory,
      },
      { plugins: [plugin] },
    ).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/studnet/);
    expect(message).toMatch(/nobody/);
  });
});
