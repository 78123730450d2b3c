import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { runKernelFunction } from './__fixtures__/kernel-function-run';
import { selectBackend } from './backend-select';
import { createConv2DBackpropFilterKernel } from './conv2d-backprop-filter-kernel';

type Padding = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

type Case = {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: Padding;
  dataFormat: 'NHWC' | 'NCHW';
};

// The SIMD loop and XNNPACK sum in another order than the cpu backend's loops.
const tolerance = 2e-5;

const cases: Case[] = (
  [
    { input: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { input: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
    { input: [3, 9, 7, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'same' },
    { input: [3, 9, 7, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'valid' },
    { input: [2, 7, 7, 2], filter: [5, 5, 2, 3], stride: 1, pad: 'valid' },
    { input: [1, 11, 10, 2], filter: [5, 5, 2, 3], stride: 2, pad: 'valid' },
    { input: [2, 8, 8, 4], filter: [1, 1, 4, 6], stride: 2, pad: 'valid' },
    { input: [2, 12, 12, 1], filter: [5, 5, 1, 6], stride: 1, pad: 'same' },
    { input: [2, 7, 6, 2], filter: [2, 3, 2, 3], stride: [3, 2], pad: 'same' },
    { input: [2, 6, 6, 2], filter: [3, 3, 2, 2], stride: 1, pad: 1 },
    { input: [2, 6, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: [[0, 0], [2, 0], [0, 3], [0, 0]] },
    // Channel counts around the 4 × 8 tile: several row and channel blocks, partial vectors.
    { input: [2, 9, 9, 8], filter: [3, 3, 8, 16], stride: 1, pad: 'same' },
    { input: [2, 9, 9, 12], filter: [3, 3, 12, 9], stride: 2, pad: 'same' },
    { input: [2, 10, 9, 6], filter: [5, 5, 6, 16], stride: 1, pad: 'same' },
    { input: [2, 10, 9, 5], filter: [3, 2, 5, 7], stride: 2, pad: 'same' },
    { input: [1, 5, 5, 1], filter: [1, 1, 1, 1], stride: 1, pad: 'valid' },
    { input: [2, 8, 8, 16], filter: [1, 1, 16, 32], stride: 1, pad: 'same' },
    // Filters larger than the input, windows mostly padding.
    { input: [2, 4, 4, 4], filter: [5, 5, 4, 4], stride: 1, pad: 'same' },
    // Samples larger than a tile call's working set: the sums of several calls add up.
    { input: [4, 80, 80, 8], filter: [3, 3, 8, 4], stride: 1, pad: 'same' },
    { input: [2, 3, 9, 8], filter: [3, 3, 3, 4], stride: 2, pad: 'same', dataFormat: 'NCHW' },
  ] as Partial<Case>[]
).map((testCase) => ({ dataFormat: 'NHWC', ...testCase }) as Case);

function outputShapeOf(testCase: Case): number[] {
  const { dataFormat } = testCase;
  const nhwcInput: [number, number, number, number] =
    dataFormat === 'NCHW' ? [testCase.input[0], testCase.input[2], testCase.input[3], testCase.input[1]] : testCase.input;
  return tf.tidy(() => {
    const nhwcOutput = tf.conv2d(
      tf.zeros(nhwcInput) as tf.Tensor4D,
      tf.zeros(testCase.filter) as tf.Tensor4D,
      testCase.stride,
      testCase.pad,
    ).shape;
    return dataFormat === 'NCHW' ? [nhwcOutput[0], nhwcOutput[3], nhwcOutput[1], nhwcOutput[2]] : nhwcOutput;
  });
}

function kernelCall(testCase: Case) {
  return {
    inputs: { x: randomTensor(testCase.input, 1), dy: randomTensor(outputShapeOf(testCase), 2) },
    attrs: { strides: testCase.stride, pad: testCase.pad, dataFormat: testCase.dataFormat, filterShape: testCase.filter },
  };
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for x $input, filter $filter, stride $stride, pad $pad, $dataFormat', async (testCase) => {
    const { inputs, attrs } = kernelCall(testCase);
    const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);

    expect(actual.shape).toEqual(testCase.filter);
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it.each(cases.filter((testCase) => testCase.input[1] < 64).filter((_, index) => index % 3 === 0))(
    'matches cpu without the SIMD loop (XNNPACK composition) for x $input, filter $filter, stride $stride',
    async (testCase) => {
      const { inputs, attrs } = kernelCall(testCase);
      const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
      await tf.setBackend('wasm');
      const actual = await runKernelFunction(createConv2DBackpropFilterKernel({ simd: false }), inputs, attrs);

      expect(actual.shape).toEqual(testCase.filter);
      expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
      expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
    },
  );

  it('agrees with the filter gradient of tf.conv2d', async () => {
    const input = randomTensor([2, 10, 10, 3], 5);
    const filter = randomTensor([3, 3, 3, 8], 6);
    const gradientOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      return tf.tidy(() => {
        const x = tf.tensor4d(input.values, input.shape as [number, number, number, number]);
        const kernel = tf.tensor4d(filter.values, filter.shape as [number, number, number, number]);
        return tf.grad((value: tf.Tensor) => tf.conv2d(x, value as tf.Tensor4D, 2, 'same').square().sum())(kernel).dataSync();
      });
    };
    const expected = await gradientOn('cpu');
    const actual = await gradientOn('wasm');
    expect(maxRelativeError(actual, expected)).toBeLessThan(tolerance);
  });
});
