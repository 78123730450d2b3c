import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatTensor, integerTensor, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';
import { isChannelVector } from './channel-broadcast-kernels';

type Case = { name: string; a: HostTensor; b: HostTensor };

const activation = randomTensor([8, 6, 5, 12], 31);
const cases: Case[] = [
  // A per-channel vector on either side: the SIMD rows.
  { name: 'tensor, [channels]', a: activation, b: randomTensor([12], 32) },
  { name: '[channels], tensor', a: randomTensor([12], 33), b: activation },
  { name: 'tensor, [1, 1, 1, channels]', a: activation, b: randomTensor([1, 1, 1, 12], 34) },
  { name: '[1, 1, 1, channels], tensor', a: randomTensor([1, 1, 1, 12], 35), b: activation },
  { name: 'channels not a multiple of 4', a: randomTensor([7, 3, 6], 36), b: randomTensor([6], 37) },
  { name: 'dense layer', a: randomTensor([64, 120], 38), b: randomTensor([1, 120], 39) },
  // Everything else: the stock kernels.
  { name: 'same shapes', a: activation, b: randomTensor([8, 6, 5, 12], 40) },
  { name: 'scalar', a: activation, b: floatTensor([0.5], []) },
  { name: 'vector along another axis', a: randomTensor([4, 5, 3], 41), b: randomTensor([4, 1, 1], 42) },
  { name: 'vector of higher rank', a: randomTensor([5, 8], 43), b: randomTensor([1, 1, 8], 44) },
  { name: 'few channels', a: randomTensor([9, 3], 45), b: randomTensor([3], 46) },
  { name: 'int32', a: integerTensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]), b: integerTensor([1, 2, 3, 4], [4]) },
];

describe('Add, Sub, Multiply and RealDiv on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases.flatMap((testCase) => (['Add', 'Sub', 'Multiply', 'RealDiv'] as const).map((kernelName) => ({ ...testCase, kernelName }))))(
    '$kernelName equals cpu: $name',
    async (testCase) => {
      const inputs = { a: testCase.a, b: testCase.b };
      const expected = await runKernelOn('cpu', testCase.kernelName, inputs, {});
      const actual = await runKernelOn('wasm', testCase.kernelName, inputs, {});

      expect(actual.shape).toEqual(expected.shape);
      expect(actual.dtype).toEqual(expected.dtype);
      // One IEEE float32 operation per element, as on the cpu backend.
      expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
      expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
    },
  );

  it('recognises per-channel vectors', () => {
    expect(isChannelVector([16], [2, 3, 16])).toBe(true);
    expect(isChannelVector([1, 1, 16], [2, 3, 16])).toBe(true);
    expect(isChannelVector([1, 1, 1, 16], [2, 3, 16])).toBe(false);
    expect(isChannelVector([2, 1, 16], [2, 3, 16])).toBe(false);
    expect(isChannelVector([8], [2, 3, 16])).toBe(false);
    expect(isChannelVector([], [2, 3, 16])).toBe(false);
  });
});
