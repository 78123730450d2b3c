import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Metrics, Plugin } from '../contracts';
import { defineLoss, definePlugin } from '../define';
import { CheckpointError, ConfigError, DivergenceError, NonFiniteLossError, RunFileError, RunInterruptedError, RunLockedError } from '../errors';
import { resumeRun, runPipeline, type RunSummary } from './runner';

let directory: string;
let tensorsBefore: number;
beforeEach(async () => {
  tensorsBefore = tf.memory().numTensors;
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-reliability-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

// 144 training images in batches of 16: 9 batches per epoch.
function config(overrides: Record<string, unknown> = {}, teacher: Record<string, unknown> = {}) {
  return {
    name: 'reliability',
    seed: 5,
    backend: 'cpu',
    data: { dataset: { use: 'core:synthetic', count: 192, testCount: 32, shape: [4, 4, 1], numClasses: 3, seed: 1, noise: 0.2 }, validation: 0.25 },
    steps: [
      { id: 'teacher', use: 'core:train', model: { use: 'core:mlp', hidden: [12] }, epochs: 3, batchSize: 16, ...teacher },
      { id: 'export', use: 'core:export', model: 'teacher' },
    ],
    ...overrides,
  };
}

function metricsOf(summary: RunSummary): Record<string, Metrics> {
  return Object.fromEntries(Object.entries(summary.steps).map(([id, step]) => [id, Object.fromEntries(Object.entries(step.metrics ?? {}).filter(([name]) => name !== 'seconds'))]));
}

const exported = (run: string) => readFileSync(path.join(run, 'exports/teacher/weights.bin'));

/** A loss that is the mean square of the outputs, multiplied by `scale` after `after` calls. */
function scaledLossPlugin(): Plugin {
  return definePlugin({
    meta: { name: 'scaled', version: '1.0.0', runtime: '^0.1.0' },
    losses: {
      late: defineLoss({
        options: z.strictObject({ after: z.number().int(), scale: z.union([z.number(), z.nan()]) }),
        create: (options) => {
          let calls = 0;
          return {
            name: 'late',
            compute: (context) => {
              calls += 1;
              return tf.tidy(() => {
                const base = tf.mean(tf.square(context.outputs)) as tf.Scalar;
                return calls > options.after ? (tf.mul(base, options.scale) as tf.Scalar) : base;
              });
            },
          };
        },
      }),
    },
  });
}

async function interrupted(at: number, extra: Record<string, unknown> = {}): Promise<string> {
  const controller = new AbortController();
  let batches = 0;
  const error = await runPipeline({ config: config(extra), directory }, { signal: controller.signal, events: { onBatchEnd: () => void (++batches === at && controller.abort()) } }).catch((caught: unknown) => caught);
  expect(RunInterruptedError.isInstance(error)).toBe(true);
  return (error as RunInterruptedError).runDirectory!;
}

describe('checkpoints kept', () => {
  it('resumes from the previous checkpoint when the latest (a mid-epoch interrupt) is damaged, says how many batches are redone, and ends identical', async () => {
    const uninterrupted = await runPipeline({ config: config(), directory });
    // Ctrl-C after 14 batches: epoch 2, batch 6; the checkpoint before it is the end of epoch 1 (9 batches).
    const run = await interrupted(14);
    const teacher = path.join(run, 'steps/teacher');
    expect(readdirSync(teacher).filter((name) => name.startsWith('checkpoint')).sort()).toEqual(['checkpoint', 'checkpoint.step-9']);
    await truncate(path.join(teacher, 'checkpoint/tensors.bin'), 10);
    const warnings: string[] = [];
    const resumed = await resumeRun(run, { events: { onLog: (message, level) => void (level === 'warn' && warnings.push(message)) } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^teacher: the latest checkpoint is damaged: .*checkpoint \(weights data file tensors\.bin is 10 bytes but .*; set aside as checkpoint\.damaged-\d{8}T\d{6}\)\. Resuming from the previous one, .*checkpoint\.step-9: 5 batches are trained again, to the same result\.$/);
    expect(metricsOf(resumed)).toEqual(metricsOf(uninterrupted));
    expect(exported(run).equals(exported(uninterrupted.runDirectory))).toBe(true);
    // The warning stays with the run, and the damaged checkpoint is kept aside for inspection.
    expect(readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')).toContain('"type":"warning"');
    expect(readdirSync(teacher).some((name) => name.startsWith('checkpoint.damaged-'))).toBe(true);
  });

  it('keeps as many checkpoints as the config says', async () => {
    const summary = await runPipeline({ config: config({ checkpoints: { keep: 3 } }), directory });
    expect(readdirSync(path.join(summary.runDirectory, 'steps/teacher')).filter((name) => name.startsWith('checkpoint')).sort()).toEqual(['checkpoint', 'checkpoint.step-18', 'checkpoint.step-9']);
    const error = await runPipeline({ config: config({ checkpoints: { keep: 0, every: 2 }, divergence: { threshold: -1 } }), directory }).catch((caught: unknown) => caught);
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).issues.map((issue) => issue.path).sort()).toEqual(['checkpoints.every', 'checkpoints.keep', 'divergence.threshold']);
  });
});

const trainingRecords = (run: string) =>
  readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((record) => record.type === 'batch' || record.type === 'epoch')
    .map(({ time: _time, ...record }) => record);

describe('the metrics log', () => {
  it('holds each batch and epoch once after a crash and a resume, as an uninterrupted run\'s does', async () => {
    const uninterrupted = await runPipeline({ config: config(), directory });
    // Crashes in epoch 3, after batch 7: past the batch record at step 20; the checkpoint is at step 18.
    const run = path.join(directory, 'crashed');
    const crash = { onBatchEnd: (position: { globalStep: number }) => { if (position.globalStep === 25) throw new Error('simulated crash'); } };
    const error = await runPipeline({ config: config(), directory }, { runDirectory: run, events: crash }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/simulated crash/);
    expect(trainingRecords(run).map((record) => record.step)).toEqual([9, 10, 18, 20]);
    // A torn last line (a process killed mid-append) is ended, not joined with the next record.
    await writeFile(path.join(run, 'metrics.jsonl'), `${readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')}{"type":"bat`);
    await resumeRun(run);
    expect(trainingRecords(run)).toEqual(trainingRecords(uninterrupted.runDirectory));
  });
});

describe('divergence', () => {
  it('stops a step whose loss explodes while staying finite (learning rate 1e6), saying that no checkpoint exists yet', async () => {
    const error = await runPipeline({ config: config({}, { optimizer: { type: 'adam', learningRate: 1e6 } }), directory }).catch((caught: unknown) => caught);
    expect(DivergenceError.isInstance(error)).toBe(true);
    const diverged = error as DivergenceError;
    expect(diverged).toMatchObject({ code: 'E_DIVERGED', metric: 'loss', limit: 1e6, epoch: 0, checkpoint: undefined });
    expect(diverged.message).toMatch(/^teacher: training diverged: loss reached \S+ at epoch 1, batch \d+; its magnitude passed the divergence bound 1e\+6 \(divergence\.threshold\)\. Training stopped; no checkpoint of this step had been written yet, so none is kept\. Lower the learning rate/);
    const run = path.join(directory, 'runs', readdirSync(path.join(directory, 'runs'))[0]);
    const summary = JSON.parse(readFileSync(path.join(run, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    expect(summary.steps.teacher).toMatchObject({ status: 'failed', error: diverged.message });
    expect(existsSync(path.join(run, 'exports'))).toBe(false);
  });

  it('keeps the last good checkpoint when the loss passes the bound later, and follows the config: a lower bound, a factor, or off', async () => {
    const plugins = [scaledLossPlugin()];
    const grows = { loss: [{ use: 'scaled:late', after: 12, scale: 1e9 }], epochs: 2 };
    const error = await runPipeline({ config: config({}, grows), directory }, { plugins }).catch((caught: unknown) => caught);
    expect(DivergenceError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/loss reached \S+ at epoch 2, batch 4; .*Training stopped; the last good checkpoint is kept \(end of epoch 1: .*steps\/teacher\/checkpoint\), and the best weights so far \(epoch 1\) in .*steps\/teacher\/best\./);
    const run = path.join(directory, 'runs', readdirSync(path.join(directory, 'runs'))[0]);
    expect(JSON.parse(readFileSync(path.join(run, 'steps/teacher/checkpoint/state.json'), 'utf8'))).toMatchObject({ epoch: 1, globalStep: 9 });

    const mild = { loss: [{ use: 'scaled:late', after: 12, scale: 50 }], epochs: 2 };
    expect((await runPipeline({ config: config({}, mild), directory }, { plugins })).status).toBe('done');
    const lowered = await runPipeline({ config: config({ divergence: { threshold: 5 } }, mild), directory }, { plugins }).catch((caught: unknown) => caught);
    expect((lowered as DivergenceError).limit).toBe(5);
    // 9 batches at scale 1 (epoch 1), then 3 at 1 and 6 at 50: the epoch mean grows ~34 times.
    const factor = await runPipeline({ config: config({ divergence: { threshold: null, factor: 10 } }, mild), directory }, { plugins }).catch((caught: unknown) => caught);
    expect((factor as Error).message).toMatch(/loss reached \S+ as the mean of epoch 2; more than 10 times its best, \S+ in epoch 1 \(divergence\.factor\)/);
    expect((await runPipeline({ config: config({ divergence: false }, grows), directory }, { plugins })).status).toBe('done');
  });

  it('says accurately that no checkpoint exists when the loss becomes NaN in the first epoch', async () => {
    const nan = { loss: [{ use: 'scaled:late', after: 3, scale: Number.NaN }] };
    const error = await runPipeline({ config: config({}, nan), directory }, { plugins: [scaledLossPlugin()] }).catch((caught: unknown) => caught);
    expect(NonFiniteLossError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/loss became NaN at epoch 1, batch 4 \(training\)\. Training stopped; no checkpoint of this step had been written yet, so none is kept\./);
  });
});

describe('damaged run directories', () => {
  it('names a missing config.resolved.json or a damaged run.json and what to do, and changes nothing', async () => {
    const run = await interrupted(4);
    const summaryBefore = readFileSync(path.join(run, 'summary.json'));
    await unlink(path.join(run, 'config.resolved.json'));
    const missing = await resumeRun(run).catch((caught: unknown) => caught);
    expect(RunFileError.isInstance(missing)).toBe(true);
    expect(missing).toMatchObject({ code: 'E_RUN_DAMAGED', path: path.join(run, 'config.resolved.json') });
    expect((missing as Error).message).toMatch(/^cannot resume .*: .*config\.resolved\.json is missing \(it holds the validated config the run was started with\)\. Restore it from a copy of the run directory, or start the run again/);
    await writeFile(path.join(run, 'run.json'), '{"steps": {');
    const damaged = await resumeRun(run).catch((caught: unknown) => caught);
    expect((damaged as Error).message).toMatch(/run\.json is damaged \(not valid JSON: .*; it records which steps finished/);
    expect(readFileSync(path.join(run, 'summary.json')).equals(summaryBefore)).toBe(true);
    expect(existsSync(path.join(run, 'run.lock'))).toBe(false);
  });

  it('never downgrades a finished run: a resume that meets a damaged artifact fails with advice and leaves the summary done', async () => {
    const { runDirectory } = await runPipeline({ config: config({}, { epochs: 1 }), directory });
    const summaryBefore = readFileSync(path.join(runDirectory, 'summary.json'));
    await truncate(path.join(runDirectory, 'steps/teacher/artifacts/teacher/weights.bin'), 7);
    const error = await resumeRun(runDirectory).catch((caught: unknown) => caught);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^step "teacher" finished earlier, but its saved results cannot be restored: weights data file .*weights\\.bin is 7 bytes .* Delete ${path.join(runDirectory, 'steps/teacher')} to train the step again \\(the result is the same\\), then continue with: core-run resume ${runDirectory}$`),
    );
    expect(readFileSync(path.join(runDirectory, 'summary.json')).equals(summaryBefore)).toBe(true);
    expect(JSON.parse(summaryBefore.toString()).status).toBe('done');
  });

  it('lets one resume at a time write a run directory', async () => {
    const run = await interrupted(4);
    const [first, second] = await Promise.allSettled([resumeRun(run), resumeRun(run)]);
    const outcomes = [first, second].map((result) => (result.status === 'fulfilled' ? result.value.status : RunLockedError.isInstance(result.reason) ? 'locked' : String(result.reason)));
    expect(outcomes.sort()).toEqual(['done', 'locked']);
    const epochs = readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((record) => record.type === 'epoch');
    expect(epochs).toHaveLength(3);
  });
});
