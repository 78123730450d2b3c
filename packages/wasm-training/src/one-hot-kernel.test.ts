import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { integerTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = {
  name: string;
  indices: HostTensor;
  depth: number;
  onValue: number;
  offValue: number;
  dtype: 'float32' | 'int32';
};

const cases: Case[] = [
  { name: 'float32 1/0', indices: integerTensor([0, 3, 1, 4]), depth: 5, onValue: 1, offValue: 0, dtype: 'float32' },
  {
    name: 'float32 label smoothing',
    indices: integerTensor([0, 3, 1, 4, 2, 2], [2, 3]),
    depth: 5,
    onValue: 0.9,
    offValue: 0.025,
    dtype: 'float32',
  },
  { name: 'float32 scaled on', indices: integerTensor([2, 0]), depth: 3, onValue: 0.3, offValue: 0, dtype: 'float32' },
  {
    name: 'float32 with out-of-range indices',
    indices: integerTensor([0, -1, 9, 2]),
    depth: 5,
    onValue: 1,
    offValue: 0,
    dtype: 'float32',
  },
  { name: 'int32', indices: integerTensor([0, 3, -1, 2]), depth: 4, onValue: 5, offValue: -1, dtype: 'int32' },
];

describe('OneHot on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('equals cpu exactly for $name', async ({ indices, ...attrs }) => {
    const expected = await runKernelOn('cpu', 'OneHot', { indices }, attrs);
    const actual = await runKernelOn('wasm', 'OneHot', { indices }, attrs);
    expect(actual.shape).toEqual(expected.shape);
    expect(actual.dtype).toBe(attrs.dtype);
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('gives readable float32 labels through tf.oneHot', async () => {
    await tf.setBackend('wasm');
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([1, 0], 'int32'), 2, 1, 0, 'float32').dataSync());
    expect(Array.from(labels)).toEqual([0, 1, 1, 0]);
  });
});
