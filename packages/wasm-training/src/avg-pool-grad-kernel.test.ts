import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = {
  input: [number, number, number, number];
  filterSize: number | [number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | number;
};

/** Windows that tile the input without overlapping: the broadcast division, bit-exact against cpu. */
const nonOverlapping: Case[] = [
  { input: [2, 8, 8, 3], filterSize: 2, stride: 2, pad: 'valid' },
  // 'valid' leaves the last row and column uncovered: zero gradient there.
  { input: [2, 9, 9, 3], filterSize: 2, stride: 2, pad: 'valid' },
  // 'same' adds a padding row and column after: the windows stick out and are cut.
  { input: [2, 9, 9, 3], filterSize: 2, stride: 2, pad: 'same' },
  // 'same' with padding before: a 3-window's first row is padding.
  { input: [2, 7, 7, 2], filterSize: 3, stride: 3, pad: 'same' },
  { input: [3, 10, 11, 5], filterSize: [3, 2], stride: [3, 2], pad: 'same' },
  { input: [2, 8, 6, 4], filterSize: [2, 3], stride: [2, 3], pad: 'valid' },
  { input: [2, 7, 7, 3], filterSize: 3, stride: 3, pad: 'valid' },
  { input: [2, 6, 6, 2], filterSize: 2, stride: 2, pad: 1 },
  { input: [1, 5, 5, 1], filterSize: 1, stride: 1, pad: 'valid' },
  { input: [1, 28, 28, 1], filterSize: 2, stride: 2, pad: 'valid' },
  { input: [2, 16, 16, 16], filterSize: 2, stride: 2, pad: 'same' },
];

/** Overlapping windows go to the stock kernel. */
const overlapping: Case[] = [
  { input: [2, 8, 8, 3], filterSize: 3, stride: 2, pad: 'same' },
  { input: [2, 7, 7, 2], filterSize: 3, stride: 1, pad: 'valid' },
];

function kernelCall(testCase: Case) {
  const outputShape = tf.tidy(
    () => tf.avgPool(tf.zeros(testCase.input) as tf.Tensor4D, testCase.filterSize, testCase.stride, testCase.pad).shape,
  );
  return {
    inputs: { dy: randomTensor(outputShape, 7), input: randomTensor(testCase.input, 8) },
    attrs: { filterSize: testCase.filterSize, strides: testCase.stride, pad: testCase.pad },
  };
}

describe('AvgPoolGrad on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(nonOverlapping)('equals cpu for x $input, filter $filterSize, stride $stride, $pad', async (testCase) => {
    const { inputs, attrs } = kernelCall(testCase);
    const expected = await runKernelOn('cpu', 'AvgPoolGrad', inputs, attrs);
    const actual = await runKernelOn('wasm', 'AvgPoolGrad', inputs, attrs);

    expect(actual.shape).toEqual(testCase.input);
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it.each(overlapping)('matches cpu for overlapping windows, x $input, filter $filterSize, stride $stride, $pad', async (testCase) => {
    const { inputs, attrs } = kernelCall(testCase);
    const expected = await runKernelOn('cpu', 'AvgPoolGrad', inputs, attrs);
    const actual = await runKernelOn('wasm', 'AvgPoolGrad', inputs, attrs);

    expect(actual.shape).toEqual(testCase.input);
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('makes the gradient of tf.avgPool match cpu', async () => {
    const input = randomTensor([2, 9, 9, 3], 9);
    const gradientOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      return tf.tidy(() => {
        const pooled = (value: tf.Tensor) => tf.avgPool(value as tf.Tensor4D, 2, 2, 'same').square().sum();
        return tf.grad(pooled)(tf.tensor4d(input.values, [2, 9, 9, 3])).dataSync();
      });
    };
    expect(maxRelativeError(await gradientOn('wasm'), await gradientOn('cpu'))).toBeLessThan(1e-6);
  });
});
