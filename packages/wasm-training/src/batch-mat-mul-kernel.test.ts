import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = { name: string; a: HostTensor; b: HostTensor; transposeA: boolean; transposeB: boolean };

const cases: Case[] = [
  { name: 'dense weight gradient (aᵀ·b)', a: randomTensor([64, 40], 31), b: randomTensor([64, 12], 32), transposeA: true, transposeB: false },
  { name: 'dense input gradient (a·bᵀ)', a: randomTensor([64, 12], 33), b: randomTensor([40, 12], 34), transposeA: false, transposeB: true },
  { name: 'both transposed', a: randomTensor([7, 5], 35), b: randomTensor([3, 7], 36), transposeA: true, transposeB: true },
  { name: 'untransposed (stock kernel)', a: randomTensor([5, 7], 37), b: randomTensor([7, 3], 38), transposeA: false, transposeB: false },
  { name: 'batched rank 3, aᵀ', a: randomTensor([2, 6, 4], 39), b: randomTensor([2, 6, 5], 40), transposeA: true, transposeB: false },
  { name: 'batched rank 3 broadcast batch, bᵀ', a: randomTensor([3, 4, 6], 41), b: randomTensor([1, 5, 6], 42), transposeA: false, transposeB: true },
  // SIMD panels (batch > 1): column counts around the 4-lane vectors and the 16-column panels.
  ...[1, 2, 3, 4, 5, 10, 16, 17, 33].map((columns, index) => ({
    name: `SIMD panels, ${columns} column(s)`,
    a: randomTensor([3, 7, 5], 50 + index),
    b: randomTensor([3, 5, columns], 60 + index),
    transposeA: false,
    transposeB: false,
  })),
  { name: 'SIMD panels, capsule routing logits (u · W_routeᵀ)', a: randomTensor([18, 12, 8], 71), b: randomTensor([18, 10, 8], 72), transposeA: false, transposeB: true },
  { name: 'SIMD panels, capsule weight gradient (dyᵀ · u)', a: randomTensor([18, 12, 10], 73), b: randomTensor([18, 12, 8], 74), transposeA: true, transposeB: false },
  { name: 'SIMD panels, both transposed', a: randomTensor([4, 6, 3], 75), b: randomTensor([4, 9, 6], 76), transposeA: true, transposeB: true },
  { name: 'SIMD panels, rank 4', a: randomTensor([2, 3, 4, 5], 77), b: randomTensor([2, 3, 5, 6], 78), transposeA: false, transposeB: false },
  { name: 'SIMD panels, a broadcast over the batch', a: randomTensor([1, 4, 5], 79), b: randomTensor([6, 5, 7], 80), transposeA: false, transposeB: false },
  { name: 'SIMD panels, rank-2 b broadcast over the batch', a: randomTensor([5, 3, 4], 81), b: randomTensor([4, 6], 82), transposeA: false, transposeB: false },
  { name: 'SIMD panels, zero-depth product', a: randomTensor([2, 3, 0], 83), b: randomTensor([2, 0, 4], 84), transposeA: false, transposeB: false },
];

describe('BatchMatMul on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for $name', async ({ a, b, transposeA, transposeB }) => {
    const attrs = { transposeA, transposeB };
    const expected = await runKernelOn('cpu', 'BatchMatMul', { a, b }, attrs);
    const actual = await runKernelOn('wasm', 'BatchMatMul', { a, b }, attrs);
    expect(actual.shape).toEqual(expected.shape);
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-5);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('runs the replacement kernel', () => {
    expect(tf.getKernel('BatchMatMul', 'wasm')?.kernelFunc.toString()).toContain('swapLastAxes');
  });
});
