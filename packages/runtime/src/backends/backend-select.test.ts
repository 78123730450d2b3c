import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { BackendUnavailableError } from './backend-errors';
import type { BackendInfo } from './backend-select';
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

describe('thread count', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('rejects a thread count that is not a positive integer, before touching the backend', async () => {
    const backendBefore = tf.getBackend();
    for (const threads of [0, -2, 1.5]) {
      const error = await selectBackend('wasm', { threads }).catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('positive integer');
    }
    expect(tf.getBackend()).toBe(backendBefore);
  });

  it('rejects a malformed CORE_THREADS with the variable named', async () => {
    const saved = process.env.CORE_THREADS;
    process.env.CORE_THREADS = 'two';
    try {
      const error = await selectBackend('cpu').catch((caught: unknown) => caught);
      expect(InvalidArgumentError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain('CORE_THREADS');
    } finally {
      process.env.CORE_THREADS = saved;
    }
  });

  it("lists 'wasm-threads' with the reason when the threaded build cannot start (child process)", async () => {
    const fixture = fileURLToPath(new URL('./__fixtures__/wasm-threads-fallback-child.ts', import.meta.url));
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      TSX_TSCONFIG_PATH: fileURLToPath(new URL('./__fixtures__/tsconfig.sources.json', import.meta.url)),
    };
    delete environment.CORE_THREADS;
    const info = await new Promise<BackendInfo>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', fixture],
        { cwd: fileURLToPath(new URL('../..', import.meta.url)), env: environment, timeout: 60_000 },
        (error, stdout, stderr) => {
          if (error) {
            reject(new Error(`child process ${error.killed ? 'did not exit within 60 s' : `failed (${error.message})`}\n${stderr}`));
            return;
          }
          const lines = stdout.trim().split('\n');
          resolve(JSON.parse(lines[lines.length - 1]) as BackendInfo);
        },
      );
    });
    expect(info).toEqual({
      name: 'wasm',
      tfBackend: 'wasm',
      threads: 1,
      fallbacks: [{ name: 'wasm-threads', reason: expect.stringContaining('SharedArrayBuffer is not available') }],
    });
  });
});
