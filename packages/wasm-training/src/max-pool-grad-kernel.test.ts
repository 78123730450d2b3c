import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { floatTensor, maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = {
  name: string;
  input: HostTensor;
  filterSize: number | [number, number];
  stride: number;
  pad: 'same' | 'valid';
};

/** ReLU output: many windows hold only zeros, which the stock kernel gets wrong. */
function rectified(tensor: HostTensor): HostTensor {
  return { ...tensor, values: tensor.values.map((value) => Math.max(0, value)) as Float32Array };
}

const cases: Case[] = [
  { name: 'signed values', input: randomTensor([2, 8, 8, 3], 31), filterSize: 2, stride: 2, pad: 'valid' },
  { name: 'signed values', input: randomTensor([2, 8, 8, 3], 32), filterSize: 3, stride: 1, pad: 'same' },
  { name: 'signed values', input: randomTensor([3, 9, 7, 2], 33), filterSize: 3, stride: 2, pad: 'same' },
  { name: 'signed values', input: randomTensor([1, 11, 10, 2], 34), filterSize: [2, 3], stride: 2, pad: 'valid' },
  { name: 'ReLU output', input: rectified(randomTensor([2, 9, 9, 4], 35)), filterSize: 2, stride: 2, pad: 'same' },
  { name: 'all zeros', input: floatTensor(new Array(2 * 4 * 4 * 2).fill(0), [2, 4, 4, 2]), filterSize: 2, stride: 2, pad: 'valid' },
  { name: 'all negative', input: floatTensor(new Array(36).fill(-1).map((value, index) => value - (index % 5)), [1, 6, 6, 1]), filterSize: 3, stride: 1, pad: 'same' },
];

describe('MaxPoolGrad on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for $name, filter $filterSize, stride $stride, $pad', async (testCase) => {
    const outputShape = tf.tidy(
      () =>
        tf.maxPool(tf.zeros(testCase.input.shape as [number, number, number, number]) as tf.Tensor4D, testCase.filterSize, testCase.stride, testCase.pad)
          .shape,
    );
    const inputs = { dy: randomTensor(outputShape, 36), input: testCase.input };
    const attrs = { filterSize: testCase.filterSize, strides: testCase.stride, pad: testCase.pad };
    const expected = await runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs);
    const actual = await runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
    expect(actual.shape).toEqual(testCase.input.shape);
    // Only sums of dy values where windows overlap: rounding-level differences at most.
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('makes the gradient of tf.maxPool after a ReLU match cpu', async () => {
    const input = randomTensor([2, 6, 6, 3], 37);
    const gradientOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      return tf.tidy(() => {
        const pooled = (value: tf.Tensor) => tf.maxPool(tf.relu(value as tf.Tensor4D), 2, 2, 'valid').sum();
        return tf.grad(pooled)(tf.tensor4d(input.values, [2, 6, 6, 3])).dataSync();
      });
    };
    expect(Array.from(await gradientOn('wasm'))).toEqual(Array.from(await gradientOn('cpu')));
  });
});
