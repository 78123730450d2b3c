import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Metrics, Plugin } from '../contracts';
import { defineLoss, definePlugin } from '../define';
import { ConfigError, NonFiniteLossError, RunInterruptedError } from '../errors';
import { fileSystemIO } from '../io';
import { prepareConfig, resumeRun, runPipeline } from './runner';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-runner-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function baseConfig(overrides: Record<string, unknown> = {}) {
  return {
    name: 'test',
    seed: 3,
    backend: 'cpu',
    data: { dataset: { use: 'core:synthetic', count: 192, testCount: 64, shape: [6, 6, 1], numClasses: 3, seed: 1, noise: 0.15 }, validation: 0.25 },
    steps: [
      { id: 'teacher', use: 'core:train', model: { use: 'core:mlp', hidden: [24] }, epochs: 3, batchSize: 16 },
      { id: 'student', use: 'core:distill', teacher: 'teacher', model: { use: 'core:mlp', hidden: [6] }, epochs: 2, batchSize: 16 },
      { id: 'evaluate', use: 'core:evaluate', models: ['teacher', 'student'] },
      { id: 'export', use: 'core:export', model: 'student' },
    ],
    ...overrides,
  };
}

function stepMetrics(summary: { steps: Record<string, { metrics?: Metrics }> }): Record<string, Metrics> {
  return Object.fromEntries(
    Object.entries(summary.steps).map(([id, step]) => [
      id,
      Object.fromEntries(Object.entries(step.metrics ?? {}).filter(([name]) => name !== 'seconds')),
    ]),
  );
}

describe('runPipeline', () => {
  it('trains, distills, evaluates and exports into a new run directory without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const summary = await runPipeline({ config: baseConfig(), directory });
    expect(tf.memory().numTensors).toBe(before);
    expect(summary.status).toBe('done');
    expect(summary.backend?.name).toBe('cpu');
    const run = summary.runDirectory;
    for (const file of ['config.yaml', 'config.resolved.json', 'metrics.jsonl', 'summary.json', 'report.md', 'run.json']) {
      expect(existsSync(path.join(run, file)), file).toBe(true);
    }
    expect(existsSync(path.join(run, 'steps/teacher/checkpoint/state.json'))).toBe(true);
    const resolved = JSON.parse(readFileSync(path.join(run, 'config.resolved.json'), 'utf8'));
    expect(resolved.steps[0].optimizer).toMatchObject({ type: 'adam' });
    expect(resolved.steps[1].loss.map((term: { use: string }) => term.use)).toEqual(['core:cross-entropy', 'core:kd']);
    // The synthetic task is learnable: the teacher beats chance (1/3) by a wide margin.
    expect(summary.steps.evaluate.metrics?.teacher_accuracy).toBeGreaterThan(0.6);
    expect(summary.models.student.params).toBeLessThan(summary.models.teacher.params);
    const lines = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.type === 'epoch' && line.stage === 'teacher')).toHaveLength(3);

    // The export loads back with plain tf.loadLayersModel.
    const loaded = await tf.loadLayersModel(fileSystemIO(path.join(run, 'exports/student')));
    const input = tf.ones([2, 6, 6, 1]);
    const output = loaded.predict(input) as tf.Tensor;
    expect(output.shape).toEqual([2, 3]);
    tf.dispose([input, output]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same numbers for the same seed, and different ones for another seed', async () => {
    const config = baseConfig({ steps: baseConfig().steps.slice(0, 1) });
    const first = await runPipeline({ config, directory });
    const second = await runPipeline({ config, directory });
    const third = await runPipeline({ config: { ...config, seed: 4 }, directory });
    expect(first.runDirectory).not.toBe(second.runDirectory);
    expect(stepMetrics(second)).toEqual(stepMetrics(first));
    expect(stepMetrics(third).teacher.loss).not.toBe(stepMetrics(first).teacher.loss);
  });

  it('resumes an interrupted run and ends with the same numbers as an uninterrupted one', async () => {
    const config = baseConfig();
    const uninterrupted = await runPipeline({ config, directory });

    for (const stopAt of [5, 17]) {
      // Stop inside the teacher's 2nd epoch (5 batches) or inside the student (17 = 9 teacher batches x... past the teacher).
      const controller = new AbortController();
      let batches = 0;
      const events = {
        onBatchEnd: () => {
          batches += 1;
          if (batches === stopAt) controller.abort();
        },
      };
      let runDirectory = '';
      const error = await runPipeline({ config, directory }, { events, signal: controller.signal }).catch((caught: unknown) => caught);
      expect(RunInterruptedError.isInstance(error)).toBe(true);
      runDirectory = (error as RunInterruptedError).runDirectory!;
      expect(JSON.parse(readFileSync(path.join(runDirectory, 'summary.json'), 'utf8')).status).toBe('interrupted');
      const resumed = await resumeRun(runDirectory);
      expect(resumed.status).toBe('done');
      expect(stepMetrics(resumed)).toEqual(stepMetrics(uninterrupted));
    }
  });

  it('stops on a NaN loss with a clear error and keeps the last good checkpoint', async () => {
    const nanPlugin: Plugin = definePlugin({
      meta: { name: 'nan', version: '1.0.0', runtime: '*' },
      losses: {
        late: defineLoss({
          options: z.strictObject({ after: z.number().int() }),
          create: (options) => {
            let calls = 0;
            return {
              name: 'late',
              compute: (context) => {
                calls += 1;
                const base = tf.mean(tf.square(context.outputs)) as tf.Scalar;
                return calls > options.after ? (tf.mul(base, Number.NaN) as tf.Scalar) : base;
              },
            };
          },
        }),
      },
    });
    const config = baseConfig({
      steps: [{ id: 'teacher', use: 'core:train', model: { use: 'core:mlp', hidden: [8] }, epochs: 3, batchSize: 16, loss: [{ use: 'nan:late', after: 12 }] }],
    });
    const before = tf.memory().numTensors;
    const error = await runPipeline({ config, directory }, { plugins: [nanPlugin] }).catch((caught: unknown) => caught);
    expect(tf.memory().numTensors).toBe(before);
    expect(NonFiniteLossError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/loss became NaN at epoch 2, batch 4.*last good checkpoint is kept/);
    const runs = readdirSync(path.join(directory, 'runs'));
    const state = JSON.parse(readFileSync(path.join(directory, 'runs', runs[0], 'steps/teacher/checkpoint/state.json'), 'utf8'));
    expect(state.epoch).toBe(1);
  });
  it('names a missing data file and how to get it, before creating a run directory', async () => {
    const config = baseConfig({ data: { dataset: { use: 'core:idx', directory: 'downloads/mnist' } }, steps: baseConfig().steps.slice(0, 1) });
    const error = await runPipeline({ config, directory }).catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('E_DATA_NOT_FOUND');
    expect((error as Error).message).toContain(path.join(directory, 'downloads/mnist'));
    expect((error as Error).message).toMatch(/train-images-idx3-ubyte/);
    expect(existsSync(path.join(directory, 'runs'))).toBe(false);
  });
});

describe('data directories', () => {
  it('resolve against the folder of the config, not the working directory, as docs/configuration.md says', async () => {
    expect(process.cwd()).not.toBe(directory);
    const config = baseConfig({ data: { dataset: { use: 'core:cifar10', directory: 'cifar' } }, steps: baseConfig().steps.slice(0, 1) });
    const error = await runPipeline({ config, directory }).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain(path.join(directory, 'cifar'));
    expect((error as Error).message).not.toContain(path.join(process.cwd(), 'cifar'));
    const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(docs).toContain('The `directory` of `core:idx` and `core:cifar10` is resolved against the folder of the config file');
  });
});

describe('prepareConfig', () => {
  it('reports every problem at once with paths and suggestions, before creating anything', async () => {
    const config = {
      seed: 1,
      backend: 'gpu',
      plugins: ['@core/does-not-exist'],
      data: { dataset: 'mnsit' },
      steps: [
        { id: 'teacher', use: 'core:train', model: { use: 'core:lenet', width: 1 }, epohcs: 2 },
        { id: 'student', use: 'core:distil', teacher: 'teacher' },
        { id: 'kd', use: 'core:distill', teacher: 'teachr', model: 'later', loss: [{ use: 'core:kdd', weight: 1 }, { use: 'core:kd', temprature: 4 }] },
        { id: 'later', use: 'core:train', model: { use: 'core:mlp' } },
      ],
    };
    const error = await prepareConfig({ config, directory }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    const issues = (error as ConfigError).issues;
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue.message]));
    if (process.env.SHOW_ISSUES) console.log(issues);
    expect(byPath['plugins[0]']).toMatch(/cannot find package "@core\/does-not-exist"/);
    expect(byPath.backend).toMatch(/found "gpu".*Allowed: "auto", "tensorflow", "wasm", "cpu"/);
    expect(byPath['data.dataset.use']).toMatch(/unknown dataset "mnsit".*Did you mean "core:mnist"/);
    expect(byPath['steps[0].epohcs']).toMatch(/unknown option "epohcs". Did you mean "epochs"\?/);
    expect(byPath['steps[0].model.use']).toMatch(/unknown model "core:lenet". Did you mean "core:lenet5"\?/);
    expect(byPath['steps[1].use']).toMatch(/unknown step "core:distil". Did you mean "core:distill"\?/);
    expect(byPath['steps[2].loss[0].use']).toMatch(/unknown loss "core:kdd". Did you mean "core:kd"\?.*Loaded losses: core:cross-entropy, core:kd/);
    expect(byPath['steps[2].loss[1].temprature']).toMatch(/Did you mean "temperature"/);
    expect(issues.some((issue) => /artifact "teachr".*Did you mean "teacher"/.test(issue.message))).toBe(true);
    expect(issues.some((issue) => /uses "later" before the step that produces it/.test(issue.message))).toBe(true);
    expect(existsSync(path.join(directory, 'runs'))).toBe(false);
  });

  it('takes threads: auto or 1–8 and says what it allows otherwise', async () => {
    const steps = [{ id: 'a', use: 'core:train', model: { use: 'core:mlp' } }];
    for (const threads of ['auto', 1, 8]) {
      const prepared = await prepareConfig({ config: { threads, data: { dataset: 'synthetic' }, steps }, directory });
      expect(prepared.config.threads).toBe(threads);
    }
    for (const threads of [0, 9, 'two', 1.5]) {
      const error = await prepareConfig({ config: { threads, data: { dataset: 'synthetic' }, steps }, directory }).catch((caught: unknown) => caught);
      expect(ConfigError.isInstance(error)).toBe(true);
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['threads']);
    }
  });

  it('rejects duplicate step ids and a missing steps list', async () => {
    const duplicate = await prepareConfig({ config: { steps: [{ id: 'a', use: 'core:evaluate', models: ['x'] }, { id: 'a', use: 'core:evaluate', models: ['a'] }] }, directory }).catch((caught: unknown) => caught);
    expect((duplicate as ConfigError).issues.some((issue) => /duplicate step id "a"/.test(issue.message))).toBe(true);
    const empty = await prepareConfig({ config: { seed: 1 }, directory }).catch((caught: unknown) => caught);
    expect((empty as ConfigError).issues).toEqual([{ path: 'steps', message: 'missing (expected array).' }]);
  });

  it('builds registered trainers from config specs, validating their options', async () => {
    const created: Array<{ batches: number }> = [];
    const plugin = definePlugin({
      meta: { name: 'loops', version: '1.0.0', runtime: '*' },
      trainers: {
        counter: {
          options: z.strictObject({ batches: z.number().int().positive().default(3) }),
          create: (options, context) => {
            created.push(options);
            // A trainer gets the step's context: its data, artifacts and generator.
            expect(context.hasData).toBe(true);
            let total = 0;
            return {
              name: 'counter',
              epochs: 2,
              batchesPerEpoch: () => options.batches,
              trainBatch: (position) => ({ loss: (total += position.batch + 1) }),
              getState: () => ({}),
              setState: () => undefined,
            };
          },
        },
      },
      steps: {
        loop: {
          options: z.strictObject({ trainer: z.looseObject({ use: z.string() }) }),
          produces: () => ({}),
          async run(options, context) {
            const fit = await context.fit(context.createTrainer(options.trainer as { use: string }));
            return { metrics: fit.last };
          },
        },
      },
    });
    const config = { backend: 'cpu', data: baseConfig().data, steps: [{ id: 'loop', use: 'loops:loop', trainer: { use: 'loops:counter', batches: 4 } }] };
    const summary = await runPipeline({ config, directory }, { plugins: [plugin] });
    expect(created).toEqual([{ batches: 4 }]);
    // Epoch 2 adds 1..4 to the running total 10: 11, 13, 16, 20, mean 15.
    expect(summary.steps.loop.metrics).toMatchObject({ epoch: 2, loss: 15 });
    const typo = { ...config, steps: [{ ...config.steps[0], trainer: { use: 'loops:counter', batchs: 4 } }] };
    await expect(prepareConfig({ config: typo, directory }, { plugins: [plugin] })).rejects.toThrow(/steps\[0\]\.trainer\.batchs: unknown option "batchs"\. Did you mean "batches"\?/);
  });
});
