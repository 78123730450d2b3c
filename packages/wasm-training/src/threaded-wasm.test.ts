import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { selectBackend } from './backend-select';

const fixture = fileURLToPath(new URL('./__fixtures__/threaded-wasm-child.ts', import.meta.url));
const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));

interface ChildReport {
  first: { name: string; threads: number; fallbacks: { name: string; reason: string }[] };
  second: { threads: number; fallbacks: unknown[] };
  restarted?: { threads: number; fallbacks: unknown[] };
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
  const environment = { ...process.env };
  delete environment.CORE_THREADS;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fixture, mode],
      { cwd: packageDirectory, env: environment, timeout: 60_000 },
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
    expect(report.first).toMatchObject({ name: 'wasm', threads: 2, fallbacks: [] });
    expect(report.second).toMatchObject({ threads: 2, fallbacks: [] });
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
    expect(report.restarted).toMatchObject({ threads: 2, fallbacks: [] });
    expect(report.maxRelativeError).toBeLessThan(1e-5);
  });

  it('falls back to the single-threaded build and says why when threads are unavailable', async () => {
    const report = await runChild('no-shared-memory');
    expect(report.first.threads).toBe(1);
    expect(report.first.fallbacks).toEqual([
      { name: 'wasm-threads', reason: expect.stringContaining('SharedArrayBuffer is not available') },
    ]);
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
});
