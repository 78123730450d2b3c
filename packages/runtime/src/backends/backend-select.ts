import os from 'node:os';
import { activateWasmTraining, maxWasmThreads } from '@core/wasm-training';
import * as tfjs from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';
import { BackendUnavailableError, describeFailure } from './backend-errors';

/** Which backend to run on: `auto` takes the fastest one available (native TensorFlow, then WebAssembly, then pure JS). */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link selectBackend} activated, for run logs. */
export interface BackendInfo {
  /** The backend, as named in configs. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The name tfjs knows it by (`tf.getBackend()`). */
  tfBackend: string;
  /** Threads the backend computes with. */
  threads: number;
  /** Backends tried first under `auto` and why each was skipped, in order. */
  fallbacks: { name: string; reason: string }[];
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** The tfjs instance to activate the backend on; defaults to the `@tensorflow/tfjs` this package resolves. */
  tf?: typeof import('@tensorflow/tfjs');
  /**
   * Threads of the WebAssembly backend: 1 (the default) runs the single-threaded build; `auto` uses
   * every core the process may use, up to 8. The environment variable `CORE_THREADS` sets the default.
   * Only the first initialisation of the backend in a process takes it. On 2 cores, 2 threads made
   * inference 1.4–1.6× faster but training 12–35% slower (many small kernels each wake the thread
   * pool; bench/README.md), hence the default.
   */
  threads?: ThreadCount;
}

/** A thread count, or `auto` for one per available core. */
export type ThreadCount = 'auto' | number;

type TensorFlow = typeof import('@tensorflow/tfjs');
type BackendName = BackendInfo['name'];

interface Attempt {
  threads: number;
  /** A variant of the backend that was tried first and skipped, with the reason. */
  skipped?: { name: string; reason: string };
}

/**
 * The native bindings are optional peers. A variable specifier keeps bundlers and type checkers from
 * resolving them, so nothing breaks where they are not installed. The GPU build goes first: whoever
 * installed it wants it.
 */
const nativeBindingPackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function activateTensorflow(tf: TensorFlow, _threads: number): Promise<Attempt> {
  const failures: string[] = [];
  for (const specifier of nativeBindingPackages) {
    try {
      await import(specifier);
    } catch (error) {
      failures.push(`${specifier}: ${describeFailure(error)}`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) {
      return { threads: availableThreads() };
    }
    failures.push(`${specifier} loaded but the 'tensorflow' backend did not initialise`);
  }
  throw new Error(failures.join('; '));
}

/** The WebAssembly backend with its training kernels, from `@core/wasm-training` (versioned on its own). */
async function activateWasm(tf: TensorFlow, threads: number): Promise<Attempt> {
  const activation = await activateWasmTraining(tf, { threads });
  const skipped = activation.fallbackReason != null ? { name: 'wasm-threads', reason: activation.fallbackReason } : undefined;
  return { threads: activation.threads, skipped };
}

async function activateCpu(tf: TensorFlow, _threads: number): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) {
    throw new Error("the 'cpu' backend did not initialise");
  }
  return { threads: 1 };
}

const activators: Record<BackendName, (tf: TensorFlow, threads: number) => Promise<Attempt>> = {
  tensorflow: activateTensorflow,
  wasm: activateWasm,
  cpu: activateCpu,
};

const remedies: Record<BackendName, string> = {
  tensorflow:
    'Install the native backend next to @tensorflow/tfjs (same version, 4.22.0): `pnpm add @tensorflow/tfjs-node@4.22.0` ' +
    '(its install script downloads libtensorflow, so allow its build under `allowBuilds`), or choose backend: auto, wasm or cpu.',
  wasm: 'Reinstall the dependencies of @core/runtime so that @core/wasm-training, @tensorflow/tfjs-backend-wasm 4.22.0 and its .wasm files are present, or choose backend: cpu.',
  cpu: 'The pure-JS backend ships with @tensorflow/tfjs; check that @tensorflow/tfjs 4.22.0 is installed.',
};

/**
 * Activates a backend on the given tfjs instance and waits until it is ready.
 *
 * `auto` takes the native TensorFlow backend (`@tensorflow/tfjs-node`, an optional peer) if it can be
 * imported, else WebAssembly, else the pure-JS `cpu` backend, and lists what it skipped in `fallbacks`.
 * On WebAssembly it also registers the kernels training needs (`registerWasmTrainingKernels` of `@core/wasm-training`).
 * WebAssembly can run multi-threaded in Node ({@link SelectBackendOptions.threads}); if the threaded
 * build cannot start, the single-threaded one runs and `fallbacks` lists `wasm-threads` with the reason.
 * Safe to call again: loaded modules, the initialised backend and registered kernels are reused.
 *
 * @throws BackendUnavailableError when an explicitly chosen backend is unavailable; the message says how to get it.
 * @throws InvalidArgumentError for a thread count (option or `CORE_THREADS`) that is not `auto` or a positive integer.
 */
export async function selectBackend(preference: BackendPreference, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const tf = options.tf ?? tfjs;
  const threads = resolveThreads(options.threads ?? threadsFromEnvironment());
  const candidates: BackendName[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  const fallbacks: BackendInfo['fallbacks'] = [];
  for (const name of candidates) {
    try {
      const attempt = await activators[name](tf, threads);
      await tf.ready();
      if (attempt.skipped != null) {
        fallbacks.push(attempt.skipped);
      }
      return { name, tfBackend: tf.getBackend(), threads: attempt.threads, fallbacks };
    } catch (error) {
      if (preference !== 'auto') {
        throw new BackendUnavailableError({
          backend: name,
          message: `Backend '${name}' is unavailable: ${describeFailure(error)}. ${remedies[name]}`,
          cause: error,
        });
      }
      fallbacks.push({ name, reason: describeFailure(error) });
    }
  }
  throw new BackendUnavailableError({
    backend: 'auto',
    message: `No backend could be initialised: ${fallbacks.map((fallback) => `${fallback.name}: ${fallback.reason}`).join('; ')}. ${remedies.cpu}`,
  });
}

/** Reads `CORE_THREADS` (`auto` or a positive integer); unset means 1. */
function threadsFromEnvironment(): ThreadCount {
  const value = process.env.CORE_THREADS?.trim();
  if (value == null || value === '') {
    return 1;
  }
  if (value === 'auto') {
    return 'auto';
  }
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError('CORE_THREADS', `CORE_THREADS must be "auto" or a positive integer, found "${value}". Unset it or set e.g. CORE_THREADS=1.`);
  }
  return count;
}

function resolveThreads(threads: ThreadCount): number {
  if (threads === 'auto') {
    return Math.min(availableThreads(), maxWasmThreads);
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InvalidArgumentError('threads', `threads must be "auto" or a positive integer, found ${String(threads)}.`);
  }
  return Math.min(threads, maxWasmThreads);
}

function availableThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
