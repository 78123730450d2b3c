import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
  dilation: number;
};

const tolerance = 2e-5;

const cases: Case[] = [
  { input: [2, 8, 8, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same', dilation: 1 },
  { input: [2, 8, 8, 3], filter: [3, 3, 3, 2], stride: 2, pad: 'same', dilation: 1 },
  { input: [3, 9, 7, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'valid', dilation: 1 },
  { input: [2, 7, 7, 2], filter: [5, 5, 2, 1], stride: 1, pad: 'valid', dilation: 1 },
  { input: [1, 11, 10, 4], filter: [3, 3, 4, 2], stride: 2, pad: 'same', dilation: 1 },
  { input: [2, 9, 9, 2], filter: [3, 3, 2, 2], stride: 1, pad: 'same', dilation: 2 },
  { input: [2, 9, 8, 2], filter: [2, 2, 2, 1], stride: 1, pad: 'valid', dilation: 2 },
];

function outputShapeOf(testCase: Case): number[] {
  return tf.tidy(
    () =>
      tf.depthwiseConv2d(
        tf.zeros(testCase.input) as tf.Tensor4D,
        tf.zeros(testCase.filter) as tf.Tensor4D,
        testCase.stride,
        testCase.pad,
        'NHWC',
        testCase.dilation,
      ).shape,
  );
}

/**
 * The cpu kernels ignore `dilations` (tfjs-core never asks for dilated depthwise gradients), so dilated cases
 * are checked against the undilated cpu kernel with the filter spread out by zeros: the same convolution.
 */
function dilatedFilterShape(filter: Case['filter'], dilation: number): Case['filter'] {
  const [height, width, channels, multiplier] = filter;
  return [(height - 1) * dilation + 1, (width - 1) * dilation + 1, channels, multiplier];
}

function spreadFilter(filter: HostTensor, dilation: number): HostTensor {
  const [height, width, channels, multiplier] = filter.shape;
  const shape = dilatedFilterShape(filter.shape as Case['filter'], dilation);
  const values = new Float32Array(shape.reduce((product, size) => product * size, 1));
  const inner = channels * multiplier;
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1) {
      const from = (row * width + column) * inner;
      const to = (row * dilation * shape[1] + column * dilation) * inner;
      values.set(filter.values.subarray(from, from + inner), to);
    }
  }
  return { values, shape, dtype: 'float32' };
}

function gatherFilter(spread: ArrayLike<number>, filter: Case['filter'], dilation: number): Float32Array {
  const [height, width, channels, multiplier] = filter;
  const spreadWidth = (width - 1) * dilation + 1;
  const inner = channels * multiplier;
  const values = new Float32Array(height * width * inner);
  for (let row = 0; row < height; row += 1) {
    for (let column = 0; column < width; column += 1) {
      for (let index = 0; index < inner; index += 1) {
        values[(row * width + column) * inner + index] =
          spread[(row * dilation * spreadWidth + column * dilation) * inner + index];
      }
    }
  }
  return values;
}

describe('depthwise convolution gradients on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)(
    'DepthwiseConv2dNativeBackpropFilter matches cpu for x $input, filter $filter, stride $stride, $pad, dilation $dilation',
    async (testCase) => {
      const inputs = { x: randomTensor(testCase.input, 7), dy: randomTensor(outputShapeOf(testCase), 8) };
      const attrs = {
        strides: testCase.stride,
        dilations: testCase.dilation,
        pad: testCase.pad,
        filterShape: testCase.filter,
      };
      const reference = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, {
        ...attrs,
        dilations: 1,
        filterShape: dilatedFilterShape(testCase.filter, testCase.dilation),
      });
      const expected = { values: gatherFilter(reference.values, testCase.filter, testCase.dilation) };
      const actual = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
      expect(actual.shape).toEqual(testCase.filter);
      expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
      expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
    },
  );

  it.each(cases)(
    'DepthwiseConv2dNativeBackpropInput matches cpu for x $input, filter $filter, stride $stride, $pad, dilation $dilation',
    async (testCase) => {
      const inputs = { dy: randomTensor(outputShapeOf(testCase), 9), filter: randomTensor(testCase.filter, 10) };
      const attrs = {
        strides: testCase.stride,
        dilations: testCase.dilation,
        pad: testCase.pad,
        inputShape: testCase.input,
      };
      const expected = await runKernelOn(
        'cpu',
        'DepthwiseConv2dNativeBackpropInput',
        { dy: inputs.dy, filter: spreadFilter(inputs.filter, testCase.dilation) },
        { ...attrs, dilations: 1 },
      );
      const actual = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
      expect(actual.shape).toEqual(testCase.input);
      expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
      expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
    },
  );
});
