import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { floatTensor, integerTensor, maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = { name: string; x: HostTensor; indices: HostTensor; axis: number; batchDims: number };

const cases: Case[] = [
  {
    name: 'taken actions (axis 1, batchDims 1)',
    x: floatTensor([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], [3, 4]),
    indices: integerTensor([3, 1, 0, 0, 2, 2], [3, 2]),
    axis: 1,
    batchDims: 1,
  },
  {
    name: 'one index per row',
    x: randomTensor([5, 4], 51),
    indices: integerTensor([3, 0, 2, 2, 1], [5, 1]),
    axis: 1,
    batchDims: 1,
  },
  {
    name: 'rows between the batch axis and the gathered axis',
    x: randomTensor([2, 3, 4], 52),
    indices: integerTensor([3, 0, 1, 1, 2, 0], [2, 3]),
    axis: 2,
    batchDims: 1,
  },
  {
    name: 'slices after the gathered axis',
    x: randomTensor([2, 4, 3], 53),
    indices: integerTensor([3, 3, 0, 1, 2, 1], [2, 3]),
    axis: 1,
    batchDims: 1,
  },
  {
    name: 'rank-3 indices',
    x: randomTensor([2, 5, 2], 54),
    indices: integerTensor([4, 0, 1, 1, 2, 3, 0, 4], [2, 2, 2]),
    axis: 1,
    batchDims: 1,
  },
  {
    name: 'two batch axes',
    x: randomTensor([2, 3, 4, 2], 55),
    indices: integerTensor([0, 3, 1, 2, 2, 2, 3, 0, 1, 1, 0, 3], [2, 3, 2]),
    axis: 2,
    batchDims: 2,
  },
  {
    name: 'negative batchDims',
    x: randomTensor([3, 4], 56),
    indices: integerTensor([1, 2, 3, 0, 0, 1], [3, 2]),
    axis: 1,
    batchDims: -1,
  },
  {
    name: 'int32 values',
    x: integerTensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]),
    indices: integerTensor([3, 0, 1, 1], [2, 2]),
    axis: 1,
    batchDims: 1,
  },
  {
    name: 'no batch axes (stock kernel)',
    x: randomTensor([5, 3], 57),
    indices: integerTensor([4, 0, 0, 2]),
    axis: 0,
    batchDims: 0,
  },
  {
    name: 'no batch axes, inner axis (stock kernel)',
    x: randomTensor([2, 5, 3], 58),
    indices: integerTensor([1, 4, 4], [3]),
    axis: 1,
    batchDims: 0,
  },
];

describe('GatherV2 on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for $name', async ({ x, indices, axis, batchDims }) => {
    const expected = await runKernelOn('cpu', 'GatherV2', { x, indices }, { axis, batchDims });
    const actual = await runKernelOn('wasm', 'GatherV2', { x, indices }, { axis, batchDims });
    expect([actual.shape, actual.dtype]).toEqual([expected.shape, expected.dtype]);
    // A gather copies values: exact.
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('rejects an index outside the gathered axis, like cpu', async () => {
    for (const backendName of ['cpu', 'wasm']) {
      await tf.setBackend(backendName);
      const tensorsBefore = tf.memory().numTensors;
      expect(
        () => tf.tidy(() => tf.gather(tf.zeros([2, 3]), tf.tensor2d([[0], [3]], [2, 1], 'int32'), 1, 1)),
        backendName,
      ).toThrow(/index value 3 is not in \[0, 2\]/);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    }
  });

  it('makes the gradient of a batched gather match cpu', async () => {
    const table = randomTensor([3, 2, 4], 59);
    const weights = randomTensor([3, 2, 2], 60);
    const gradientOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      return tf.tidy(() => {
        const indices = tf.tensor2d([[3, 1], [0, 0], [2, 3]], [3, 2], 'int32');
        const weight = tf.tensor(weights.values, weights.shape);
        const gather = (value: tf.Tensor) => tf.gather(value, indices, 2, 1).mul(weight).sum();
        return tf.grad(gather)(tf.tensor(table.values, table.shape)).dataSync();
      });
    };
    expect(maxRelativeError(await gradientOn('wasm'), await gradientOn('cpu'))).toBeLessThan(1e-6);
  });
});
