import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { artifactReference, definePlugin, defineStep, runPipeline } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plugin } from './index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'kegnet-compress-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A fresh (untrained) LeNet-5, and a step comparing two models' logits on random 32×32 inputs. */
function toyPlugin(record: Record<string, number>) {
  return definePlugin({
    meta: { name: 'toy', version: '1.0.0', runtime: '*' },
    steps: {
      lenet: defineStep({
        options: z.strictObject({}),
        needsData: false,
        produces: 'model',
        async run(_options, context) {
          const spec = record.unseeded ? { use: 'kegnet:lenet5' } : { use: 'kegnet:lenet5', seed: 5 };
          return { artifacts: { [context.id]: { kind: 'model', model: context.createModel(spec, { inputShape: [32, 32, 1], numClasses: 10 }) } } };
        },
      }),
      compare: defineStep({
        options: z.strictObject({ a: artifactReference('model'), b: artifactReference('model') }),
        needsData: false,
        produces: () => ({}),
        async run(options, context) {
          const a = context.artifacts.get(options.a, 'model').model;
          const b = context.artifacts.get(options.b, 'model').model;
          record[`${options.b}_difference`] = tf.tidy(() => {
            const inputs = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 3);
            const left = a.apply(inputs);
            return tf.div(tf.max(tf.abs(tf.sub(left, b.apply(inputs)))), tf.max(tf.abs(left))).dataSync()[0];
          });
          return {};
        },
      }),
    },
  });
}

describe('kegnet:compress', () => {
  it('at full rank gives the same logits through the rebuilt smaller graph; at low rank the paper\'s 3.62× Student 1', async () => {
    const before = tf.memory().numTensors;
    const record: Record<string, number> = {};
    const config = {
      name: 'compress',
      seed: 2,
      backend: 'cpu',
      steps: [
        { id: 'teacher', use: 'toy:lenet' },
        { id: 'full', use: 'kegnet:compress', model: 'teacher', layers: { conv2: { in: 6, out: 16 }, conv3: { in: 16, out: 120 }, fc1: { rank: 84 } } },
        { id: 'student1', use: 'kegnet:compress', model: 'teacher', layers: { conv3: { in: 8, out: 10 } }, method: 'hosvd' },
        { id: 'automatic', use: 'kegnet:compress', model: 'teacher', layers: { conv2: 'evbmf', conv3: 'evbmf', fc1: 'evbmf' } },
        { id: 'compare-full', use: 'toy:compare', a: 'teacher', b: 'full' },
        { id: 'compare-student1', use: 'toy:compare', a: 'teacher', b: 'student1' },
      ],
    };
    const summary = await runPipeline({ config, directory }, { plugins: [plugin, toyPlugin(record)] });
    expect(record.full_difference).toBeLessThan(1e-4);
    expect(record.student1_difference).toBeGreaterThan(1e-3);
    const student1 = summary.steps.student1.metrics!;
    // conv3 5×5×16×120 (+120) becomes 1×1×16×8 + 5×5×8×10 + 1×1×10×120 (+120): 61,706 − 48,120 + 3,448 = 17,034.
    expect(student1.source_params).toBe(61706);
    expect(student1.params).toBe(17034);
    expect(student1.compression_ratio).toBeCloseTo(3.6225, 3);
    // conv3 maps 5×5 → 1×1: 48,000 MACs become 25·16·8 (the 1×1 on the 5×5 map) + 25·8·10 + 10·120.
    expect(student1.source_flops - student1.flops).toBe(48000 - (3200 + 2000 + 1200));
    const automatic = summary.steps.automatic.metrics!;
    for (const name of ['conv2', 'conv3']) {
      expect(automatic[`${name}_rank_in`]).toBe(Math.max(1, automatic[`${name}_evbmf_in`]));
      expect(automatic[`${name}_rank_out`]).toBe(Math.max(1, automatic[`${name}_evbmf_out`]));
    }
    expect(automatic.fc1_rank).toBe(Math.max(1, automatic.fc1_evbmf_rank));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes the weights of an unseeded LeNet-5 from the run seed: the same seed gives the same model', async () => {
    const errors: number[] = [];
    for (const seed of [4, 4, 5]) {
      const summary = await runPipeline(
        { config: { name: 'seeded', seed, backend: 'cpu', steps: [{ id: 'teacher', use: 'toy:lenet' }, { id: 'student', use: 'kegnet:compress', model: 'teacher', layers: { conv3: { in: 4, out: 4 } }, method: 'hosvd' }] }, directory },
        { plugins: [plugin, toyPlugin({ unseeded: 1 })] },
      );
      errors.push(summary.steps.student.metrics!.conv3_error);
    }
    expect(errors[1]).toBe(errors[0]);
    expect(errors[2]).not.toBe(errors[0]);
  });

  it('refuses ranks above a layer\'s channels and unknown layers, naming what exists', async () => {
    const run = (layers: unknown) =>
      runPipeline({ config: { name: 'bad', seed: 1, backend: 'cpu', steps: [{ id: 'teacher', use: 'toy:lenet' }, { id: 'student', use: 'kegnet:compress', model: 'teacher', layers }] }, directory }, { plugins: [plugin, toyPlugin({})] });
    await expect(run({ conv3: { in: 17, out: 10 } })).rejects.toThrow(/rank in = 17 is larger than the layer's input channels \(16\)/);
    await expect(run({ conv4: { in: 1, out: 1 } })).rejects.toThrow(/no layer "conv4" with a kernel\. Layers with kernels: conv1, conv2, conv3, fc1, logits/);
    await expect(run({ fc1: { in: 1, out: 1 } })).rejects.toThrow(/dense layer: give an SVD rank/);
  });
});
