import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWasmMatchesCpu, maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import type { HostTensor } from './__fixtures__/backend-comparison';
import type { ConvolutionCase } from './__fixtures__/convolution-cases';
import { convolutionOutputShape } from './__fixtures__/convolution-cases';
import { runKernelFunction } from './__fixtures__/kernel-function-run';
import { activateWasmTraining } from './activate-wasm-training';
import { createConv2DBackpropFilterKernel } from './conv2d-backprop-filter-kernel';
import { createConv2DBackpropInputKernel } from './conv2d-backprop-input-kernel';

// The SIMD loops and XNNPACK sum in another order than the cpu backend's loops.
const tolerance = 2e-5;

/** Geometries both gradients are checked on. */
const cases: ConvolutionCase[] = (
  [
    { input: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { input: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
    { input: [3, 9, 7, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'same' },
    { input: [3, 9, 7, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'valid' },
    { input: [2, 7, 7, 2], filter: [5, 5, 2, 3], stride: 1, pad: 'valid' },
    { input: [1, 11, 10, 2], filter: [5, 5, 2, 3], stride: 2, pad: 'valid' },
    // Filters smaller than the stride: some inputs get no gradient at all.
    { input: [2, 8, 8, 4], filter: [1, 1, 4, 6], stride: 2, pad: 'valid' },
    { input: [2, 9, 9, 4], filter: [1, 1, 4, 6], stride: 2, pad: 'valid' },
    { input: [1, 5, 6, 3], filter: [2, 2, 3, 2], stride: 3, pad: 'valid' },
    { input: [2, 12, 12, 1], filter: [5, 5, 1, 6], stride: 1, pad: 'same' },
    { input: [2, 7, 6, 2], filter: [2, 3, 2, 3], stride: [3, 2], pad: 'same' },
    { input: [2, 11, 13, 7], filter: [4, 3, 7, 9], stride: [3, 2], pad: 'same' },
    { input: [2, 6, 6, 2], filter: [3, 3, 2, 2], stride: 1, pad: 1 },
    { input: [2, 6, 6, 2], filter: [3, 3, 2, 2], stride: 2, pad: 1 },
    { input: [2, 6, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: [[0, 0], [2, 0], [0, 3], [0, 0]] },
    // Channel counts around the SIMD tiles (4 × 8 for the filter gradient, 4 pixels × 8 channels for the input
    // gradient): several row and channel blocks, partial vectors, row ends.
    { input: [2, 9, 9, 8], filter: [3, 3, 8, 16], stride: 1, pad: 'same' },
    { input: [2, 9, 9, 12], filter: [3, 3, 12, 9], stride: 2, pad: 'same' },
    { input: [2, 9, 9, 12], filter: [3, 3, 12, 16], stride: 2, pad: 'same' },
    { input: [2, 10, 9, 6], filter: [5, 5, 6, 16], stride: 1, pad: 'same' },
    { input: [2, 14, 14, 6], filter: [5, 5, 6, 16], stride: 1, pad: 'valid' },
    { input: [2, 10, 9, 5], filter: [3, 2, 5, 7], stride: 2, pad: 'same' },
    { input: [1, 5, 5, 1], filter: [1, 1, 1, 1], stride: 1, pad: 'valid' },
    { input: [2, 8, 8, 16], filter: [1, 1, 16, 32], stride: 1, pad: 'same' },
    { input: [2, 8, 8, 32], filter: [1, 1, 32, 64], stride: 1, pad: 'same' },
    // Filters larger than the input, windows mostly padding.
    { input: [2, 4, 4, 4], filter: [5, 5, 4, 4], stride: 1, pad: 'same' },
    // Samples larger than a tile call's working set: the sums of several calls add up.
    { input: [4, 80, 80, 8], filter: [3, 3, 8, 4], stride: 1, pad: 'same' },
    { input: [2, 3, 9, 8], filter: [3, 3, 3, 4], stride: 2, pad: 'same', dataFormat: 'NCHW' },
  ] as Partial<ConvolutionCase>[]
).map((testCase) => ({ dataFormat: 'NHWC', ...testCase }) as ConvolutionCase);

interface Gradient {
  kernelName: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput';
  /** The kernel's inputs and attributes for a case. */
  call(testCase: ConvolutionCase): { inputs: Record<string, HostTensor>; attrs: NamedAttrMap };
  /** Its output shape: the filter's or the input's. */
  outputShape(testCase: ConvolutionCase): number[];
  /** The kernel without the SIMD loop (the XNNPACK composition it falls back to). */
  withoutSimd(): KernelFunc;
  /** The gradient of `sum(conv2d(x, w, 2, 'same')²)` with respect to one of `x`, `w`. */
  ofConv2d(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor;
}

const gradients: Gradient[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    call: (testCase) => ({
      inputs: { x: randomTensor(testCase.input, 1), dy: randomTensor(convolutionOutputShape(testCase), 2) },
      attrs: { strides: testCase.stride, pad: testCase.pad, dataFormat: testCase.dataFormat, filterShape: testCase.filter },
    }),
    outputShape: (testCase) => testCase.filter,
    withoutSimd: () => createConv2DBackpropFilterKernel({ simd: false }),
    ofConv2d: (x, w) => tf.grad((value: tf.Tensor) => tf.conv2d(x, value as tf.Tensor4D, 2, 'same').square().sum())(w),
  },
  {
    kernelName: 'Conv2DBackpropInput',
    call: (testCase) => ({
      inputs: { dy: randomTensor(convolutionOutputShape(testCase), 3), filter: randomTensor(testCase.filter, 4) },
      attrs: { strides: testCase.stride, pad: testCase.pad, dataFormat: testCase.dataFormat, inputShape: testCase.input },
    }),
    outputShape: (testCase) => testCase.input,
    withoutSimd: () => createConv2DBackpropInputKernel(undefined, { simd: false }),
    ofConv2d: (x, w) => tf.grad((value: tf.Tensor) => tf.conv2d(value as tf.Tensor4D, w, 2, 'same').square().sum())(x),
  },
];

describe.each(gradients)('$kernelName on wasm', (gradient) => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for x $input, filter $filter, stride $stride, pad $pad, $dataFormat', async (testCase) => {
    const { inputs, attrs } = gradient.call(testCase);
    await expectWasmMatchesCpu(gradient.kernelName, inputs, attrs, { shape: gradient.outputShape(testCase), tolerance });
  });

  it.each(cases.filter((testCase) => testCase.dataFormat === 'NHWC' && testCase.input[1] < 64))(
    'matches cpu without the SIMD loop (XNNPACK composition) for x $input, filter $filter, stride $stride, pad $pad',
    async (testCase) => {
      const { inputs, attrs } = gradient.call(testCase);
      const expected = await runKernelOn('cpu', gradient.kernelName, inputs, attrs);
      await tf.setBackend('wasm');
      const actual = await runKernelFunction(gradient.withoutSimd(), inputs, attrs);

      expect(actual.shape).toEqual(gradient.outputShape(testCase));
      expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
      expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
    },
  );

  it('agrees with the gradient of tf.conv2d', async () => {
    const input = randomTensor([2, 10, 10, 3], 5);
    const filter = randomTensor([3, 3, 3, 8], 6);
    const gradientOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      const tensorsBefore = tf.memory().numTensors;
      const values = tf.tidy(() =>
        gradient
          .ofConv2d(
            tf.tensor4d(input.values, input.shape as [number, number, number, number]),
            tf.tensor4d(filter.values, filter.shape as [number, number, number, number]),
          )
          .dataSync(),
      );
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      return values;
    };
    const expected = await gradientOn('cpu');
    const actual = await gradientOn('wasm');
    expect(maxRelativeError(actual, expected)).toBeLessThan(tolerance);
  });
});
