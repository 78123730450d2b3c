import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { activateWasmTraining } from './activate-wasm-training';
import { wasmTrainingKernelNames } from './wasm-kernels';

describe('activateWasmTraining', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('activates wasm with the training kernels, on one thread by default', async () => {
    expect(await activateWasmTraining(tf)).toEqual({ threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmTrainingKernelNames.filter((name) => tf.getKernel(name, 'wasm') == null)).toEqual([]);
    const sum = tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().dataSync()[0]);
    expect(sum).toBe(6);
  });

  it('is safe to call again and reports the threads of the running backend', async () => {
    await tf.setBackend('cpu');
    expect(await activateWasmTraining(tf, { threads: 'auto' })).toEqual({ threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
  });
});
