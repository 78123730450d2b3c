import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integerTensor, maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = { name: string; x: HostTensor; axis: number | number[]; keepDims: boolean };

const cases: Case[] = [
  // Leading axes of a channels-last tensor: the SIMD column sums.
  { name: 'batch-norm statistics', x: randomTensor([32, 16, 16, 16], 21), axis: [0, 1, 2], keepDims: false },
  // 65,536 rows: a plain float32 running sum drifts past the tolerance; the chunked, compensated one does not.
  { name: 'many rows', x: randomTensor([64, 32, 32, 4], 20), axis: [0, 1, 2], keepDims: false },
  { name: 'kept dimensions', x: randomTensor([2, 5, 3, 7], 22), axis: [0, 1, 2], keepDims: true },
  { name: 'negative, unordered axes', x: randomTensor([3, 4, 5, 18], 23), axis: [-2, 0, 1], keepDims: false },
  { name: 'dense bias gradient', x: randomTensor([64, 120], 24), axis: 0, keepDims: false },
  { name: 'one channel', x: randomTensor([9, 1], 25), axis: 0, keepDims: true },
  { name: 'more channels than a pass', x: randomTensor([5, 3, 37], 26), axis: [0, 1], keepDims: false },
  // Everything else: the stock kernels.
  { name: 'inner axis', x: randomTensor([4, 6, 5], 27), axis: 2, keepDims: false },
  { name: 'all axes', x: randomTensor([4, 6, 5], 28), axis: [0, 1, 2], keepDims: false },
  { name: 'rank 1', x: randomTensor([11], 29), axis: 0, keepDims: false },
  { name: 'int32', x: integerTensor([1, 2, 3, 4, 5, 6], [3, 2]), axis: 0, keepDims: false },
];

describe('Sum and Mean on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases.flatMap((testCase) => (['Sum', 'Mean'] as const).map((kernelName) => ({ ...testCase, kernelName }))))(
    '$kernelName matches cpu: $name',
    async (testCase) => {
      const attrs = { axis: testCase.axis, keepDims: testCase.keepDims };
      const expected = await runKernelOn('cpu', testCase.kernelName, { x: testCase.x }, attrs);
      const actual = await runKernelOn('wasm', testCase.kernelName, { x: testCase.x }, attrs);

      expect(actual.shape).toEqual(expected.shape);
      expect(actual.dtype).toEqual(expected.dtype);
      // Float32 sums (Kahan-compensated over chunks of 64 rows) against the cpu backend's float64 sums.
      expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(2e-6);
      expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
    },
  );
});
