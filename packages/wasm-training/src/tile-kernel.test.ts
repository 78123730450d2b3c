import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { integerTensor, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';
import { tileAsBroadcast } from './tile-kernel';

describe('tileAsBroadcast', () => {
  it('turns the batch-norm tile into one broadcast axis', () => {
    expect(tileAsBroadcast([1, 1, 1, 16], [4, 8, 8, 1])).toEqual({ inputShape: [1, 16], outputShape: [256, 16] });
  });

  it('interleaves repeat and data axes, repeat outer', () => {
    expect(tileAsBroadcast([2, 3], [3, 2])).toEqual({ inputShape: [1, 2, 1, 3], outputShape: [3, 2, 2, 3] });
  });

  it('merges axes that are copied as they are', () => {
    expect(tileAsBroadcast([2, 3, 4], [1, 1, 2])).toEqual({ inputShape: [6, 1, 4], outputShape: [6, 2, 4] });
    expect(tileAsBroadcast([2, 3, 4], [2, 1, 1])).toEqual({ inputShape: [1, 24], outputShape: [2, 24] });
    expect(tileAsBroadcast([2, 3], [1, 1])).toEqual({ inputShape: [6], outputShape: [6] });
  });
});

type Case = { name: string; x: HostTensor; reps: number[] };

const cases: Case[] = [
  { name: 'batch-norm scale to activations', x: randomTensor([1, 1, 1, 16], 21), reps: [4, 8, 8, 1] },
  { name: 'every axis repeated', x: randomTensor([2, 3, 4], 22), reps: [3, 1, 2] },
  { name: 'odd sizes', x: randomTensor([3, 1, 5], 23), reps: [2, 7, 3] },
  { name: 'no repeat', x: randomTensor([2, 3], 24), reps: [1, 1] },
  { name: 'a vector', x: randomTensor([5], 25), reps: [4] },
  { name: 'int32 (stock kernel)', x: integerTensor([1, 2, 3], [3]), reps: [3] },
  { name: 'rank 5 every axis repeated (stock kernel)', x: randomTensor([2, 2, 2, 2, 2], 26), reps: [2, 2, 2, 2, 2] },
];

describe('Tile on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('equals cpu exactly for $name', async ({ x, reps }) => {
    const expected = await runKernelOn('cpu', 'Tile', { x }, { reps });
    const actual = await runKernelOn('wasm', 'Tile', { x }, { reps });
    expect(actual.shape).toEqual(expected.shape);
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });
});
