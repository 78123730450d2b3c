import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRegistry, resumeRun, runPipeline, RunInterruptedError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peerDependencies } from '../package.json';
import { plugin } from './index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'tas-search-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const data = { dataset: { use: 'core:synthetic', count: 64, testCount: 16, shape: [8, 8, 1], numClasses: 3, seed: 2, noise: 0.2 }, validation: 0 };
const search = { id: 'search', use: 'tas:search', model: { use: 'core:resnet', depth: 14, width: 8 }, ratio: 0.5, epochs: 2, batchSize: 16 };

describe('tas:search', () => {
  it('registers with the runtime range of package.json', () => {
    expect(plugin.meta.runtime).toBe(peerDependencies['@core/runtime']);
    expect(() => createRegistry().use(plugin)).not.toThrow();
  });

  it('searches, writes probabilities and a picture, and passes on a core:resnet that core:train builds', async () => {
    const before = tf.memory().numTensors;
    const config = { name: 'tas', seed: 3, backend: 'cpu', data, steps: [search, { id: 'derived', use: 'core:train', model: 'search', epochs: 1, batchSize: 16 }] };
    const summary = await runPipeline({ config, directory }, { plugins: [plugin] });
    expect(summary.status).toBe('done');
    const metrics = summary.steps.search.metrics!;
    expect(metrics.tau).toBeCloseTo(0.1, 6);
    expect(metrics.flops_ratio).toBeGreaterThan(0);
    expect(metrics.flops_ratio).toBeLessThanOrEqual(1);
    expect(summary.steps.derived.metrics!.flops).toBe(metrics.flops);
    const runDirectory = summary.runDirectory as string;
    const probabilities = JSON.parse(readFileSync(path.join(runDirectory, 'search', 'architecture-probabilities.json'), 'utf8'));
    expect(probabilities.epochs).toHaveLength(2);
    expect(probabilities.epochs[1].widthProbabilities).toHaveLength(13);
    expect(existsSync(path.join(runDirectory, 'search', 'architecture.svg'))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('resumes an interrupted search to the same architecture', async () => {
    const config = { name: 'tas', seed: 5, backend: 'cpu', data, steps: [{ ...search, model: { use: 'core:resnet', depth: 14, width: 4 } }] };
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [plugin] });
    const controller = new AbortController();
    let batches = 0;
    const interrupted = await runPipeline({ config, directory }, {
      plugins: [plugin],
      signal: controller.signal,
      events: { onBatchEnd: () => void (++batches === 3 && controller.abort()) },
    }).catch((error: unknown) => error);
    expect(RunInterruptedError.isInstance(interrupted)).toBe(true);
    const resumed = await resumeRun((interrupted as RunInterruptedError).runDirectory!, { plugins: [plugin] });
    const { seconds: _resumedSeconds, ...resumedMetrics } = resumed.steps.search.metrics!;
    const { seconds: _seconds, ...metrics } = uninterrupted.steps.search.metrics!;
    expect(resumedMetrics).toEqual(metrics);
  }, 60_000);

  it('rejects bad input before training', async () => {
    const run = (step: Record<string, unknown>) =>
      runPipeline({ config: { name: 'tas', seed: 3, backend: 'cpu', data, steps: [{ ...search, ...step }] }, directory }, { plugins: [plugin] }).then(
        () => 'done',
        (error: Error) => error.message,
      );
    expect(await run({ ratio: 1.5 })).toMatch(/ratio must be in \(0, 1\]/);
    expect(await run({ ratio: 0 })).toMatch(/ratio must be in \(0, 1\]/);
    expect(await run({ ratio: 0.01 })).toMatch(/smallest reachable ratio is 0\.\d+/);
    expect(await run({ model: { use: 'core:lenet5' } })).toMatch(/supports model \{ use: core:resnet/);
    expect(await run({ model: { use: 'core:resnet', depth: 8 } })).toMatch(/1 block/);
  }, 60_000);
});
