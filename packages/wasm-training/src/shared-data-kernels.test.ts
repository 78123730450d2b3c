import * as tf from '@tensorflow/tfjs';
import type { KernelBackend } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateWasmTraining } from './activate-wasm-training';

function dataIds(): number {
  return (tf.engine().backend as KernelBackend).numDataIds();
}

describe('Identity and Cast on wasm', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    ['float32', [1.5, -2, 3]],
    ['int32', [1, -2, 3]],
    ['bool', [1, 0, 1]],
  ] as const)('Identity shares %s data, which outlives the input', async (dtype, values) => {
    await tf.setBackend('wasm');
    const before = [tf.memory().numTensors, dataIds()];
    const input = tf.tensor(values as unknown as number[], [3], dtype);
    const copy = tf.engine().runKernel('Identity', { x: input }, {}) as tf.Tensor;
    expect(dataIds() - before[1]).toBe(1);
    input.dispose();
    expect(copy.dtype).toBe(dtype);
    expect(Array.from(await copy.data())).toEqual(Array.from(values));
    copy.dispose();
    expect([tf.memory().numTensors, dataIds()]).toEqual(before);
  });

  it('shares data for a cast to the same dtype and converts otherwise, like cpu', async () => {
    await tf.setBackend('wasm');
    const before = [tf.memory().numTensors, dataIds()];
    const input = tf.tensor1d([1.75, -2.5, 3.25]);
    const same = tf.cast(input, 'float32');
    const converted = tf.cast(input, 'int32');
    expect(dataIds() - before[1]).toBe(2);
    input.dispose();
    expect(Array.from(await same.data())).toEqual([1.75, -2.5, 3.25]);
    expect(Array.from(await converted.data())).toEqual([1, -2, 3]);
    tf.dispose([same, converted]);
    expect([tf.memory().numTensors, dataIds()]).toEqual(before);
  });

  it('keeps variables independent of the tensors they were assigned from', async () => {
    await tf.setBackend('wasm');
    const weights = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = tf.clone(weights);
    weights.assign(tf.tensor1d([4, 5, 6]));
    expect(Array.from(await snapshot.data())).toEqual([1, 2, 3]);
    expect(Array.from(await weights.data())).toEqual([4, 5, 6]);
    tf.dispose([weights, snapshot]);
  });
});
