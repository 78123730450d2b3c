import * as tf from '@tensorflow/tfjs';
import type { KernelBackend } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { integerTensor, maxRelativeError, randomTensor } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

type Case = { name: string; equation: string; operands: HostTensor[] };

const cases: Case[] = [
  { name: 'a matrix product', equation: 'ij,jk->ik', operands: [randomTensor([3, 4], 61), randomTensor([4, 5], 62)] },
  {
    name: 'a batched product',
    equation: 'bij,bjk->bik',
    operands: [randomTensor([2, 3, 4], 63), randomTensor([2, 4, 2], 64)],
  },
  {
    name: 'a batched product with the second operand transposed',
    equation: 'bik,bjk->bij',
    operands: [randomTensor([2, 3, 4], 65), randomTensor([2, 5, 4], 66)],
  },
  {
    name: 'capsule votes (per-capsule pose transforms)',
    equation: 'bik,ijlk->bijl',
    operands: [randomTensor([2, 4, 3], 67), randomTensor([4, 2, 5, 3], 68)],
  },
  { name: 'a matrix-vector product', equation: 'ij,j->i', operands: [randomTensor([3, 4], 69), randomTensor([4], 70)] },
  { name: 'an outer product', equation: 'i,j->ij', operands: [randomTensor([3], 71), randomTensor([4], 72)] },
  {
    name: 'an elementwise product',
    equation: 'ij,ij->ij',
    operands: [randomTensor([3, 4], 73), randomTensor([3, 4], 74)],
  },
  { name: 'a full contraction to a scalar', equation: 'ij,ij->', operands: [randomTensor([3, 4], 75), randomTensor([3, 4], 76)] },
  { name: 'one operand summed over an axis', equation: 'ij->i', operands: [randomTensor([3, 4], 80)] },
  { name: 'one operand transposed', equation: 'ijk->kij', operands: [randomTensor([2, 3, 4], 81)] },
  { name: 'one operand unchanged (the output must not alias it)', equation: 'ij->ij', operands: [randomTensor([3, 4], 82)] },
  {
    name: 'int32 operands',
    equation: 'ij,jk->ik',
    operands: [integerTensor([1, -2, 3, 4, 5, -6], [2, 3]), integerTensor([7, 8, -9, 10, 11, 12], [3, 2])],
  },
];

function dataIds(): number {
  return (tf.engine().backend as KernelBackend).numDataIds();
}

/** `tf.einsum` on `backendName` from host operands, with the tensors and backend buffers it left behind. */
async function einsumOn(backendName: string, equation: string, operands: HostTensor[]) {
  await tf.setBackend(backendName);
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = dataIds();
  const inputs = operands.map((operand) => tf.tensor(operand.values, operand.shape, operand.dtype));
  const output = tf.einsum(equation, ...inputs);
  const result = { shape: output.shape, dtype: output.dtype, values: await output.data() };
  tf.dispose([output, ...inputs]);
  return { ...result, leaked: [tf.memory().numTensors - tensorsBefore, dataIds() - dataIdsBefore] };
}

describe('Einsum on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('matches cpu for $name ($equation)', async ({ equation, operands }) => {
    const expected = await einsumOn('cpu', equation, operands);
    const actual = await einsumOn('wasm', equation, operands);
    expect([actual.shape, actual.dtype]).toEqual([expected.shape, expected.dtype]);
    // Both backends multiply and sum in float32, in the same order: rounding differences at most.
    expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(1e-6);
    expect(actual.leaked).toEqual([0, 0]);
  });

  it('keeps the operand when the output is a copy of it', async () => {
    await tf.setBackend('wasm');
    const operand = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    tf.einsum('ij->ij', operand).dispose();
    expect(Array.from(await operand.data())).toEqual([1, 2, 3, 4]);
    operand.dispose();
  });

  it('rejects operands whose shared dimensions differ, like cpu', async () => {
    for (const backendName of ['cpu', 'wasm']) {
      await tf.setBackend(backendName);
      const tensorsBefore = tf.memory().numTensors;
      expect(() => tf.tidy(() => tf.einsum('ij,jk->ik', tf.zeros([2, 3]), tf.zeros([4, 2]))), backendName).toThrow(
        /dimension/i,
      );
      expect(tf.memory().numTensors).toBe(tensorsBefore);
    }
  });
});
