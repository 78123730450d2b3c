import * as tf from '@tensorflow/tfjs';
import type { ArrayDataset } from '@core/datasets';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Model } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { evaluateClassifier } from './evaluate-classifier';

// Five 1×2×1 images, three classes, a linear model: logits = pixels · weights + bias.
const weights = [
  [1, -1, 0.5],
  [-0.5, 2, 0],
];
const bias = [0.1, 0, -0.2];
const dataset: ArrayDataset = {
  name: 'tiny',
  images: new Float32Array([0.1, 0.9, 0.8, 0.2, 0.5, 0.5, 0, 1, 1, 1]),
  labels: new Int32Array([1, 0, 2, 1, 0]),
  shape: [1, 2, 1],
  numClasses: 3,
  count: 5,
};

/** Float64 reference of the whole evaluation. */
function reference(normalize?: { mean: number; std: number }) {
  let loss = 0;
  const hits = { top1: 0, top2: 0 };
  for (let index = 0; index < dataset.count; index += 1) {
    const pixels = [dataset.images[2 * index], dataset.images[2 * index + 1]].map((value) =>
      normalize === undefined ? value : (value - normalize.mean) / normalize.std,
    );
    const logits = bias.map((offset, column) => offset + pixels[0] * weights[0][column] + pixels[1] * weights[1][column]);
    const maximum = Math.max(...logits);
    const logNormaliser = maximum + Math.log(logits.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
    const label = dataset.labels[index];
    loss -= logits[label] - logNormaliser;
    const rank = logits.filter((value) => value > logits[label]).length;
    if (rank < 1) hits.top1 += 1;
    if (rank < 2) hits.top2 += 1;
  }
  return { loss: loss / dataset.count, accuracy: hits.top1 / dataset.count, top2: hits.top2 / dataset.count };
}

function linearModel(): { model: Model; dispose(): void; calls: number[] } {
  const kernel = tf.tensor2d(weights);
  const offset = tf.tensor1d(bias);
  const calls: number[] = [];
  const model = {
    name: 'linear',
    apply(inputs: tf.Tensor, options?: { training?: boolean }) {
      expect(options?.training).toBe(false);
      calls.push(inputs.shape[0]);
      return tf.tidy(() => tf.add(tf.matMul(tf.reshape(inputs, [inputs.shape[0], 2]), kernel), offset));
    },
  } as unknown as Model;
  return { model, calls, dispose: () => tf.dispose([kernel, offset]) };
}

describe('evaluateClassifier', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('averages over examples across uneven batches', async () => {
    const { model, calls, dispose } = linearModel();
    const result = await evaluateClassifier(model, dataset, { batchSize: 2, topK: [2] });
    const expected = reference();
    expect(calls).toEqual([2, 2, 1]);
    expect(result.loss).toBeCloseTo(expected.loss, 5);
    expect(result.accuracy).toBeCloseTo(expected.accuracy, 6);
    expect(result.top2).toBeCloseTo(expected.top2, 6);
    // Hand check of the data: top-1 hits are images 0, 1 and 3.
    expect(result.accuracy).toBeCloseTo(0.6, 6);
    dispose();
  });

  it('normalises images per channel', async () => {
    const { model, dispose } = linearModel();
    const result = await evaluateClassifier(model, dataset, { batchSize: 3, normalize: { mean: [0.5], std: [0.25] } });
    const expected = reference({ mean: 0.5, std: 0.25 });
    expect(result.loss).toBeCloseTo(expected.loss, 5);
    expect(result.accuracy).toBeCloseTo(expected.accuracy, 6);
    expect(Object.keys(result).sort()).toEqual(['accuracy', 'loss']);
    dispose();
  });

  it('validates its options without leaking', async () => {
    const { model, dispose } = linearModel();
    await expect(evaluateClassifier(model, dataset, { batchSize: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(evaluateClassifier(model, dataset, { batchSize: 2, normalize: { mean: [0, 0], std: [1] } })).rejects.toThrow(/normalize.mean/);
    await expect(evaluateClassifier(model, dataset, { batchSize: 2, topK: [4] })).rejects.toThrow(/k must be/);
    dispose();
  });
});
