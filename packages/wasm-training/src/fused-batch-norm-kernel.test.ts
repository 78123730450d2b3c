import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

/** Positive variances, as batch statistics are. */
function varianceTensor(shape: number[], seed: number): HostTensor {
  const tensor = randomTensor(shape, seed);
  return { ...tensor, values: tensor.values.map((value) => Math.abs(value) + 0.05) as Float32Array };
}

type Case = { name: string; x: number[]; parameters: number[]; offset: boolean; scale: boolean };

const cases: Case[] = [
  { name: 'training-mode batch norm', x: [8, 6, 6, 16], parameters: [16], offset: true, scale: true },
  { name: 'kept-dims statistics', x: [4, 5, 5, 12], parameters: [1, 1, 1, 12], offset: true, scale: true },
  { name: 'without offset and scale', x: [4, 5, 5, 7], parameters: [7], offset: false, scale: false },
  { name: 'scale only', x: [3, 9, 5], parameters: [5], offset: false, scale: true },
  { name: 'dense features', x: [32, 24], parameters: [24], offset: true, scale: true },
  // Statistics that are not per-channel vectors: the stock kernel.
  { name: 'one mean for all channels', x: [4, 5, 5, 6], parameters: [1], offset: true, scale: true },
];

describe('FusedBatchNorm on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu: $name', async (testCase) => {
    const inputs: Record<string, HostTensor> = {
      x: randomTensor(testCase.x, 51),
      mean: randomTensor(testCase.parameters, 52),
      variance: varianceTensor(testCase.parameters, 53),
    };
    if (testCase.offset) {
      inputs.offset = randomTensor(testCase.parameters, 54);
    }
    if (testCase.scale) {
      inputs.scale = randomTensor(testCase.parameters, 55);
    }
    const attrs = { varianceEpsilon: 1e-3 };
    const expected = await runKernelOn('cpu', 'FusedBatchNorm', inputs, attrs);
    const actual = await runKernelOn('wasm', 'FusedBatchNorm', inputs, attrs);

    expect(actual.shape).toEqual(testCase.x);
    // Float32 arithmetic against the cpu backend's float64 formula.
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });
});
