import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError } from './backend-errors';
import { selectBackend } from './backend-select';

// The native binding cannot be installed in the test environment, so `auto` falls back to wasm.
describe('selectBackend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('auto activates wasm and says why the native backend was skipped', async () => {
    const info = await selectBackend('auto');
    expect(info).toMatchObject({ name: 'wasm', tfBackend: 'wasm', threads: 1 });
    expect(info.fallbacks.map((fallback) => fallback.name)).toEqual(['tensorflow']);
    expect(info.fallbacks[0].reason).toContain('@tensorflow/tfjs-node');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('is safe to call twice and registers the training kernels', async () => {
    const first = await selectBackend('wasm');
    const second = await selectBackend('wasm', { tf });
    expect(second).toEqual(first);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    const sum = tf.tidy(() => tf.tensor1d([1, 2, 3]).sum().dataSync()[0]);
    expect(sum).toBe(6);
  });

  it('activates cpu when asked', async () => {
    expect(await selectBackend('cpu')).toEqual({ name: 'cpu', tfBackend: 'cpu', threads: 1, fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('throws BackendUnavailableError with a remedy for an explicit backend that is missing', async () => {
    const backendBefore = tf.getBackend();
    const error = await selectBackend('tensorflow').catch((caught: unknown) => caught);
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'E_BACKEND_UNAVAILABLE', backend: 'tensorflow' });
    expect((error as Error).message).toContain('pnpm add @tensorflow/tfjs-node@4.22.0');
    expect(tf.getBackend()).toBe(backendBefore);
  });
});
