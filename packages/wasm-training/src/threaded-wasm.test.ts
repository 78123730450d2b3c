import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { activateWasmTraining } from './activate-wasm-training';
import { WasmTrainingError } from './wasm-training-error';

const fixture = fileURLToPath(new URL('./__fixtures__/threaded-wasm-child.ts', import.meta.url));
const packageDirectory = fileURLToPath(new URL('..', import.meta.url));

/** What `activateWasmTraining` returned, and the backend tfjs ran afterwards. */
interface Activation {
  backend: string;
  threads: number;
  fallbackReason?: string;
}

interface ChildReport {
  first: Activation;
  second: Activation;
  restarted?: Activation;
  loss: number;
  cpuLoss: number;
  gradientChecksum: number;
  maxRelativeError: number;
  leaked: number;
}

/**
 * Runs the fixture in a fresh Node.js process. The process must end by itself: a backend whose worker
 * threads held the event loop open would hit the timeout and fail the test.
 */
function runChild(mode: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fixture, mode],
      { cwd: packageDirectory, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) {
          const reason = error.killed ? 'did not exit within 60 s' : `failed (${error.message})`;
          reject(new Error(`child process in mode '${mode}' ${reason}\n${stderr}`));
          return;
        }
        const lines = stdout.trim().split('\n');
        resolve(JSON.parse(lines[lines.length - 1]) as ChildReport);
      },
    );
  });
}

describe('threaded WebAssembly backend (child processes)', () => {
  let threadedRun: Promise<ChildReport> | undefined;
  const threaded = () => (threadedRun ??= runChild('train'));

  it('starts with 2 threads, is safe to start twice, computes what cpu computes, leaks nothing and exits by itself', async () => {
    const report = await threaded();
    expect(report.first).toEqual({ backend: 'wasm', threads: 2 });
    expect(report.second).toEqual({ backend: 'wasm', threads: 2 });
    expect(report.maxRelativeError).toBeLessThan(1e-5);
    expect(Math.abs(report.loss - report.cpuLoss)).toBeLessThan(1e-6);
    expect(report.leaked).toBe(0);
  });

  it('gives the same numbers as the single-threaded build', async () => {
    const [threadedReport, single] = await Promise.all([threaded(), runChild('single')]);
    expect(single.first.threads).toBe(1);
    expect(threadedReport.loss).toBe(single.loss);
    expect(threadedReport.gradientChecksum).toBe(single.gradientChecksum);
  });

  it('starts again after the backend was removed', async () => {
    const report = await runChild('restart');
    expect(report.restarted).toEqual({ backend: 'wasm', threads: 2 });
    expect(report.maxRelativeError).toBeLessThan(1e-5);
  });

  it('falls back to the single-threaded build and says why when threads are unavailable', async () => {
    const report = await runChild('no-shared-memory');
    expect(report.first).toEqual({
      backend: 'wasm',
      threads: 1,
      fallbackReason: expect.stringContaining('SharedArrayBuffer is not available'),
    });
    expect(report.maxRelativeError).toBeLessThan(1e-5);
  });
});

describe('thread count', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('rejects a thread count that is not a positive integer, before touching the backend', async () => {
    const backendBefore = tf.getBackend();
    for (const threads of [0, -2, 1.5]) {
      const error = await activateWasmTraining(tf, { threads }).catch((caught: unknown) => caught);
      expect(WasmTrainingError.isInstance(error)).toBe(true);
      // What the runtime's `InvalidArgumentError.isInstance` checks.
      expect((error as Record<symbol, unknown>)[Symbol.for('core.error.InvalidArgumentError')]).toBe(true);
      expect(error).toMatchObject({ code: 'E_INVALID_ARGUMENT', argument: 'threads' });
      expect((error as Error).message).toContain('positive integer');
    }
    expect(tf.getBackend()).toBe(backendBefore);
  });
});
