import os from 'node:os';
import * as tfjs from '@tensorflow/tfjs';
import { BackendUnavailableError } from './backend-errors';
import { resolveWasmBinaryDirectory } from './wasm-binary-directory';
import { registerWasmTrainingKernels } from './wasm-kernels';

/** Which backend to run on: `auto` takes the fastest one available (native TensorFlow, then WebAssembly, then pure JS). */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link selectBackend} activated, for run logs. */
export interface BackendInfo {
  /** The backend, as named in configs. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The name tfjs knows it by (`tf.getBackend()`). */
  tfBackend: string;
  /** Threads the backend computes with (the wasm build used in Node is single-threaded). */
  threads: number;
  /** Backends tried first under `auto` and why each was skipped, in order. */
  fallbacks: { name: string; reason: string }[];
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /** The tfjs instance to activate the backend on; defaults to the `@tensorflow/tfjs` this package resolves. */
  tf?: typeof import('@tensorflow/tfjs');
}

type TensorFlow = typeof import('@tensorflow/tfjs');
type BackendName = BackendInfo['name'];

interface Attempt {
  threads: number;
}

/**
 * The native bindings are optional peers. A variable specifier keeps bundlers and type checkers from
 * resolving them, so nothing breaks where they are not installed. The GPU build goes first: whoever
 * installed it wants it.
 */
const nativeBindingPackages = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

async function activateTensorflow(tf: TensorFlow): Promise<Attempt> {
  const failures: string[] = [];
  for (const specifier of nativeBindingPackages) {
    try {
      await import(specifier);
    } catch (error) {
      failures.push(`${specifier}: ${describe(error)}`);
      continue;
    }
    if (await tf.setBackend('tensorflow')) {
      return { threads: availableThreads() };
    }
    failures.push(`${specifier} loaded but the 'tensorflow' backend did not initialise`);
  }
  throw new Error(failures.join('; '));
}

async function activateWasm(tf: TensorFlow): Promise<Attempt> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Node's ESM loader may expose the CommonJS build only as `default`.
  const wasmModule = (wasm as unknown as { default?: typeof wasm }).default ?? wasm;
  // Paths only matter before the first initialisation; afterwards the binary is already compiled.
  if (tf.findBackend('wasm') == null) {
    wasmModule.setWasmPaths(resolveWasmBinaryDirectory());
  }
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) {
    throw new Error("the 'wasm' backend did not initialise (see the warning tfjs logged above)");
  }
  return { threads: wasmModule.getThreadsCount() };
}

async function activateCpu(tf: TensorFlow): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) {
    throw new Error("the 'cpu' backend did not initialise");
  }
  return { threads: 1 };
}

const activators: Record<BackendName, (tf: TensorFlow) => Promise<Attempt>> = {
  tensorflow: activateTensorflow,
  wasm: activateWasm,
  cpu: activateCpu,
};

const remedies: Record<BackendName, string> = {
  tensorflow:
    'Install the native backend next to @tensorflow/tfjs (same version, 4.22.0): `pnpm add @tensorflow/tfjs-node@4.22.0` ' +
    '(its install script downloads libtensorflow, so allow its build under `allowBuilds`), or choose backend: auto, wasm or cpu.',
  wasm: 'Reinstall the dependencies of @core/runtime so that @tensorflow/tfjs-backend-wasm 4.22.0 and its .wasm files are present, or choose backend: cpu.',
  cpu: 'The pure-JS backend ships with @tensorflow/tfjs; check that @tensorflow/tfjs 4.22.0 is installed.',
};

/**
 * Activates a backend on the given tfjs instance and waits until it is ready.
 *
 * `auto` takes the native TensorFlow backend (`@tensorflow/tfjs-node`, an optional peer) if it can be
 * imported, else WebAssembly, else the pure-JS `cpu` backend, and lists what it skipped in `fallbacks`.
 * On WebAssembly it also registers the kernels training needs ({@link registerWasmTrainingKernels}).
 * Safe to call again: loaded modules, the initialised backend and registered kernels are reused.
 *
 * @throws BackendUnavailableError when an explicitly chosen backend is unavailable; the message says how to get it.
 */
export async function selectBackend(preference: BackendPreference, options: SelectBackendOptions = {}): Promise<BackendInfo> {
  const tf = options.tf ?? tfjs;
  const candidates: BackendName[] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  const fallbacks: BackendInfo['fallbacks'] = [];
  for (const name of candidates) {
    try {
      const { threads } = await activators[name](tf);
      await tf.ready();
      return { name, tfBackend: tf.getBackend(), threads, fallbacks };
    } catch (error) {
      if (preference !== 'auto') {
        throw new BackendUnavailableError({
          backend: name,
          message: `Backend '${name}' is unavailable: ${describe(error)}. ${remedies[name]}`,
          cause: error,
        });
      }
      fallbacks.push({ name, reason: describe(error) });
    }
  }
  throw new BackendUnavailableError({
    backend: 'auto',
    message: `No backend could be initialised: ${fallbacks.map((fallback) => `${fallback.name}: ${fallback.reason}`).join('; ')}. ${remedies.cpu}`,
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message.split('\n')[0];
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}

function availableThreads(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
