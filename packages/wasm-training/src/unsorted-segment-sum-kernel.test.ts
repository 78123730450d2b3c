import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { integerTensor, maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = { name: string; x: HostTensor; segmentIds: HostTensor; numSegments: number };

const cases: Case[] = [
  { name: 'rows', x: randomTensor([6, 4], 11), segmentIds: integerTensor([0, 2, 0, 1, 2, 2]), numSegments: 4 },
  { name: 'a vector', x: randomTensor([5], 12), segmentIds: integerTensor([1, 1, 0, 3, 1]), numSegments: 4 },
  { name: 'rank-3 rows', x: randomTensor([5, 3, 2], 13), segmentIds: integerTensor([4, 0, 4, 2, 0]), numSegments: 5 },
  {
    name: 'ids outside [0, numSegments), which are dropped',
    x: randomTensor([6, 3], 14),
    segmentIds: integerTensor([0, -1, 0, 7, 2, 3]),
    numSegments: 4,
  },
];

describe('UnsortedSegmentSum on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for $name', async ({ x, segmentIds, numSegments }) => {
    const expected = await runKernelOn('cpu', 'UnsortedSegmentSum', { x, segmentIds }, { numSegments });
    const actual = await runKernelOn('wasm', 'UnsortedSegmentSum', { x, segmentIds }, { numSegments });
    expect(actual.shape).toEqual(expected.shape);
    expect(actual.dtype).toBe('float32');
    // The cpu backend accumulates in double precision; a few rows summed in float32 stay within rounding.
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('keeps int32 values int32 and exact', async () => {
    const actual = await runKernelOn(
      'wasm',
      'UnsortedSegmentSum',
      { x: integerTensor([1, 2, 3, 4, 5, 6], [3, 2]), segmentIds: integerTensor([1, 0, 1]) },
      { numSegments: 3 },
    );
    expect(actual.dtype).toBe('int32');
    expect(Array.from(actual.values)).toEqual([3, 4, 6, 8, 0, 0]);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('makes the gradient of tf.gather work', async () => {
    const table = randomTensor([5, 3], 15);
    const weights = randomTensor([4, 3], 16);
    const gradientOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      return tf.tidy(() => {
        const indices = tf.tensor1d([1, 1, 3, 0], 'int32');
        const weight = tf.tensor2d(weights.values, [4, 3]);
        const gather = (value: tf.Tensor) => tf.gather(value, indices).mul(weight).sum();
        return tf.grad(gather)(tf.tensor2d(table.values, [5, 3])).dataSync();
      });
    };
    expect(maxRelativeError(await gradientOn('wasm'), await gradientOn('cpu'))).toBeLessThan(1e-6);
  });
});
