import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { selectBackend } from './backend-select';

type Case = {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | number;
  dataFormat: 'NHWC' | 'NCHW';
};

// XNNPACK sums in another order than the cpu backend's loops.
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
  { input: [2, 3, 9, 8], filter: [3, 3, 3, 4], stride: 2, pad: 'same', dataFormat: 'NCHW' },
  ] as Partial<Case>[]
).map((testCase) => ({ dataFormat: 'NHWC', ...testCase }) as Case);

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for x $input, filter $filter, stride $stride, pad $pad, $dataFormat', async (testCase) => {
    const { dataFormat } = testCase;
    const nhwcInput: [number, number, number, number] =
      dataFormat === 'NCHW'
        ? [testCase.input[0], testCase.input[2], testCase.input[3], testCase.input[1]]
        : testCase.input;
    const outputShape = tf.tidy(() => {
      const nhwcOutput = tf.conv2d(tf.zeros(nhwcInput) as tf.Tensor4D, tf.zeros(testCase.filter) as tf.Tensor4D, testCase.stride, testCase.pad).shape;
      return dataFormat === 'NCHW' ? [nhwcOutput[0], nhwcOutput[3], nhwcOutput[1], nhwcOutput[2]] : nhwcOutput;
    });
    const inputs = { x: randomTensor(testCase.input, 1), dy: randomTensor(outputShape, 2) };
    const attrs = { strides: testCase.stride, pad: testCase.pad, dataFormat, filterShape: testCase.filter };

    const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);

    expect(actual.shape).toEqual(testCase.filter);
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });
});
