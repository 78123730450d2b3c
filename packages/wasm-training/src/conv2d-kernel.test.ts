import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectWasmMatchesCpu, maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Padding = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

type Case = {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: Padding;
  dilation?: number | [number, number];
};

const tolerance = 2e-5;

const cases: Case[] = [
  { input: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { input: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { input: [3, 9, 7, 2], filter: [3, 3, 2, 5], stride: 2, pad: 'valid' },
  { input: [2, 7, 7, 2], filter: [5, 5, 2, 3], stride: 1, pad: 'valid' },
  { input: [1, 12, 12, 1], filter: [5, 5, 1, 6], stride: 1, pad: 'same' },
  { input: [2, 7, 6, 2], filter: [2, 3, 2, 3], stride: [3, 2], pad: 'same' },
  { input: [2, 11, 13, 7], filter: [4, 3, 7, 9], stride: [3, 2], pad: 'same' },
  { input: [2, 6, 6, 2], filter: [3, 3, 2, 2], stride: 1, pad: 1 },
  { input: [2, 6, 6, 3], filter: [3, 3, 3, 4], stride: 1, pad: [[0, 0], [2, 0], [0, 3], [0, 0]] },
  { input: [2, 9, 9, 8], filter: [3, 3, 8, 16], stride: 1, pad: 'same', dilation: 2 },
  { input: [2, 10, 10, 5], filter: [3, 3, 5, 11], stride: 1, pad: 'same', dilation: [2, 3] },
  // 1×1 filters run on the stock kernel.
  { input: [2, 8, 8, 4], filter: [1, 1, 4, 6], stride: 2, pad: 'valid' },
];

function outputShapeOf(testCase: Case): number[] {
  return tf.tidy(
    () => tf.conv2d(tf.zeros(testCase.input) as tf.Tensor4D, tf.zeros(testCase.filter) as tf.Tensor4D, testCase.stride, testCase.pad, 'NHWC', testCase.dilation ?? 1).shape,
  );
}

function kernelCall(testCase: Case) {
  return {
    inputs: { x: randomTensor(testCase.input, 11), filter: randomTensor(testCase.filter, 12) },
    attrs: { strides: testCase.stride, pad: testCase.pad, dataFormat: 'NHWC', dilations: testCase.dilation ?? 1 },
  };
}

describe('Conv2D and FusedConv2D on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('Conv2D matches cpu for x $input, filter $filter, stride $stride, pad $pad, dilation $dilation', async (testCase) => {
    const { inputs, attrs } = kernelCall(testCase);
    const { expected, actual } = await expectWasmMatchesCpu('Conv2D', inputs, attrs, { shape: outputShapeOf(testCase), tolerance });
    expect(actual.shape).toEqual(expected.shape);
  });

  it.each(
    cases.flatMap((testCase, index) =>
      (['linear', 'relu', 'relu6'] as const).map((activation) => ({ ...testCase, activation, withBias: index % 2 === 0 })),
    ),
  )('FusedConv2D matches cpu for x $input, filter $filter, stride $stride, $activation, bias $withBias', async (testCase) => {
    const { inputs, attrs } = kernelCall(testCase);
    // Scaled up so that relu6 clamps some outputs at 6.
    const x = { ...inputs.x, values: inputs.x.values.map((value) => value * 4) as Float32Array };
    const fusedInputs = testCase.withBias ? { ...inputs, x, bias: randomTensor([testCase.filter[3]], 13) } : { ...inputs, x };
    const fusedAttrs = { ...attrs, activation: testCase.activation };
    await expectWasmMatchesCpu('FusedConv2D', fusedInputs, fusedAttrs, { shape: outputShapeOf(testCase), tolerance });
  });

  it('passes activations it does not fuse (prelu) to the stock kernel', async () => {
    const { inputs, attrs } = kernelCall(cases[0]);
    const fusedInputs = { ...inputs, preluActivationWeights: randomTensor([cases[0].filter[3]], 14) };
    const fusedAttrs = { ...attrs, activation: 'prelu' };
    const expected = await runKernelOn('cpu', 'FusedConv2D', fusedInputs, fusedAttrs);
    const actual = await runKernelOn('wasm', 'FusedConv2D', fusedInputs, fusedAttrs);
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(tolerance);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('gives tf.conv2d and its gradients like cpu', async () => {
    const input = randomTensor([2, 10, 10, 3], 15);
    const filter = randomTensor([3, 3, 3, 8], 16);
    const resultsOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      return tf.tidy(() => {
        const x = tf.tensor4d(input.values, input.shape as [number, number, number, number]);
        const kernel = tf.tensor4d(filter.values, filter.shape as [number, number, number, number]);
        const loss = (value: tf.Tensor, weights: tf.Tensor) =>
          tf.relu(tf.conv2d(value as tf.Tensor4D, weights as tf.Tensor4D, 1, 'same')).square().sum();
        const [inputGradient, filterGradient] = tf.grads(loss)([x, kernel]);
        return [loss(x, kernel).dataSync(), inputGradient.dataSync(), filterGradient.dataSync()];
      });
    };
    const expected = await resultsOn('cpu');
    const actual = await resultsOn('wasm');
    expected.forEach((values, index) => expect(maxRelativeError(actual[index], values)).toBeLessThan(tolerance));
  });
});
