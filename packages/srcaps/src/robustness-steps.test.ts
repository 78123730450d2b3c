import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRegistry, resumeRun, RunInterruptedError, runPipeline, type RunConfigInput } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { plugin } from './index';

const model = { use: 'srcaps:capsnet', filters: [4, 4, 4], capsules: 2, capsuleSize: 4 };
const config: RunConfigInput = {
  seed: 3,
  backend: 'cpu',
  data: { dataset: { use: 'core:synthetic', count: 64, testCount: 16, shape: [8, 8, 1], numClasses: 3 }, validation: 0 },
  steps: [
    { id: 'sr', use: 'core:train', model: { ...model, head: 'self-routing' }, epochs: 2, batchSize: 16 },
    { id: 'pool', use: 'core:train', model: { ...model, head: 'avg-pool' }, epochs: 1, batchSize: 16 },
    { id: 'adversarial', use: 'srcaps:adversarial', models: ['sr', 'pool'], epsilons: [0.1, 0.5], count: 12, batchSize: 6, steps: 2, pictureCount: 3 },
    { id: 'affine', use: 'srcaps:affine', models: ['sr', 'pool'], rotation: 30, pictureCount: 2 },
    { id: 'routing', use: 'srcaps:routing', model: 'sr', count: 2 },
  ],
};

describe('srcaps steps through the runner', () => {
  it('report success rates and affine accuracies, write the pictures, and resume after an interruption to the same numbers', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'srcaps-steps-'));
    const tensorsBefore = tf.memory().numTensors;
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [plugin], runDirectory: path.join(directory, 'whole') });
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    const metrics = uninterrupted.steps.adversarial.metrics!;
    for (const name of ['sr', 'pool']) {
      for (const key of ['fgsm_eps0.1', 'fgsm_targeted_eps0.5', 'bim_eps0.5', 'bim_targeted_eps0.1']) {
        const value = metrics[`${name}_${key}_success`];
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
    }
    // A larger budget never helps the model on the same examples (FGSM moves further along the same signs).
    expect(metrics['sr_bim_eps0.5_success']).toBeGreaterThanOrEqual(metrics['sr_bim_eps0.1_success']);
    expect(uninterrupted.steps.affine.metrics!.sr_affine_accuracy).toBeGreaterThanOrEqual(0);
    const svg = await readFile(path.join(directory, 'whole', 'steps', 'adversarial', 'adversarial-examples.svg'), 'utf8');
    expect(svg).toContain('sr FGSM ε=0.5');
    expect(svg).toContain('data:image/png;base64,');
    expect(await readFile(path.join(directory, 'whole', 'steps', 'routing', 'class-routing.svg'), 'utf8')).toContain('#1*');
    expect((await readFile(path.join(directory, 'whole', 'steps', 'affine', 'affine-examples.png'))).subarray(1, 4).toString()).toBe('PNG');

    const controller = new AbortController();
    const runDirectory = path.join(directory, 'interrupted');
    const stopAt = { onBatchEnd: (position: { stage: string; globalStep: number }) => void (position.stage === 'sr' && position.globalStep === 5 && controller.abort()) };
    const error = await runPipeline({ config, directory }, { plugins: [plugin], events: stopAt, signal: controller.signal, runDirectory }).catch((caught: unknown) => caught);
    expect(RunInterruptedError.isInstance(error)).toBe(true);
    const resumed = await resumeRun(runDirectory, { plugins: [plugin] });
    const withoutTime = (metrics: Record<string, number> | undefined) => Object.fromEntries(Object.entries(metrics ?? {}).filter(([key]) => key !== 'seconds'));
    for (const step of ['sr', 'pool', 'adversarial', 'affine']) expect(withoutTime(resumed.steps[step].metrics)).toEqual(withoutTime(uninterrupted.steps[step].metrics));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('validates step options before running: unknown keys, models that are no earlier step', () => {
    const registry = createRegistry().use(plugin);
    const adversarial = registry.get('steps', 'srcaps:adversarial');
    expect(adversarial.options.safeParse({ models: ['sr'], epsilon: 0.1 }).success).toBe(false);
    expect(adversarial.options.parse({ models: ['sr'] })).toMatchObject({ epsilons: [0.1, 0.3], attacks: ['fgsm', 'bim'], targeted: true, steps: 10, clip: 'pixels' });
    const affine = registry.get('steps', 'srcaps:affine');
    expect(affine.options.parse({ models: ['sr'] })).toMatchObject({ rotation: 20, scale: [0.8, 1.2], translation: 3 });
  });
});
