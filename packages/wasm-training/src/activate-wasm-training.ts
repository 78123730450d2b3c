import os from 'node:os';
import { describeFailure } from './describe-failure';
import { installThreadedWasmFactory, lastThreadedWasmStart, maxWasmThreads } from './threaded-wasm';
import { resolveWasmBinaryDirectory } from './wasm-binary-directory';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { WasmTrainingError } from './wasm-training-error';

type TensorFlow = typeof import('@tensorflow/tfjs');

/** Options of {@link activateWasmTraining}. */
export interface ActivateWasmTrainingOptions {
  /**
   * Threads of the backend: 1 (the default) runs tfjs-backend-wasm's single-threaded build; more start its
   * multi-threaded build (at most {@link maxWasmThreads}; larger counts are capped); `auto` takes one per core
   * the process may use, up to that cap. Only the first initialisation of the backend in a process takes it.
   * On 2 cores, 2 threads made inference 1.4–1.6× faster but training 12–35% slower (many small kernels
   * each wake the thread pool), hence the default.
   */
  threads?: number | 'auto';
}

/** What {@link activateWasmTraining} started. */
export interface WasmTrainingActivation {
  /** Threads the backend computes with (1 for the single-threaded build). */
  threads: number;
  /**
   * Set when more than one thread was asked for and the multi-threaded build could not start: why, and
   * that the single-threaded build runs instead.
   */
  fallbackReason?: string;
}

/**
 * Loads `@tensorflow/tfjs-backend-wasm`, registers the training kernels ({@link registerWasmTrainingKernels})
 * and makes `wasm` the active backend of `tf`, ready to train.
 *
 * Before the backend's first initialisation in the process it points tfjs at the installed `.wasm` binaries
 * (bundlers and test transformers move the script Emscripten would look next to) and, for more than one
 * thread, installs a backend factory that starts the multi-threaded build in Node.js (stock tfjs runs only
 * the single-threaded one there); if that build cannot start, the single-threaded one runs and
 * `fallbackReason` says why. Safe to call again: the loaded module, the initialised backend and the
 * registered kernels are reused, and the thread count of the running backend is reported.
 *
 * @param tf The `@tensorflow/tfjs` instance to activate the backend on (4.22.0, as tfjs-backend-wasm).
 * @throws WasmTrainingError `E_INVALID_ARGUMENT` for a thread count that is not `auto` or a positive integer,
 *   before anything is loaded; `E_BACKEND_UNAVAILABLE` when tfjs-backend-wasm cannot be loaded or its backend
 *   does not initialise.
 */
export async function activateWasmTraining(tf: TensorFlow, options: ActivateWasmTrainingOptions = {}): Promise<WasmTrainingActivation> {
  const threads = resolveThreads(options.threads ?? 1);
  const wasmModule = await loadWasmPackage();
  // Paths and threads only matter before the first initialisation; afterwards the module is running.
  let threaded = false;
  if (tf.findBackend('wasm') == null) {
    wasmModule.setWasmPaths(resolveWasmBinaryDirectory());
    wasmModule.setThreadsCount(1);
    threaded = threads > 1 && installThreadedWasmFactory(tf, wasmModule, threads);
  }
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('wasm'))) {
    throw new WasmTrainingError({
      code: 'E_BACKEND_UNAVAILABLE',
      message:
        "the 'wasm' backend did not initialise (see the warning tfjs logged above); check that @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are both 4.22.0",
    });
  }
  await tf.ready();
  const fallbackReason = threaded ? lastThreadedWasmStart()?.fallbackReason : undefined;
  const activation: WasmTrainingActivation = { threads: Math.max(1, wasmModule.getThreadsCount()) };
  if (fallbackReason != null) {
    activation.fallbackReason = fallbackReason;
  }
  return activation;
}

type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

async function loadWasmPackage(): Promise<WasmPackage> {
  let wasm: WasmPackage;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    throw new WasmTrainingError({
      code: 'E_BACKEND_UNAVAILABLE',
      message: `@tensorflow/tfjs-backend-wasm could not be loaded (${describeFailure(error)}); reinstall the dependencies of @core/wasm-training so that @tensorflow/tfjs-backend-wasm 4.22.0 and its .wasm files are present`,
      cause: error,
    });
  }
  // Node's ESM loader may expose the CommonJS build only as `default`.
  return (wasm as unknown as { default?: WasmPackage }).default ?? wasm;
}

function resolveThreads(threads: number | 'auto'): number {
  if (threads === 'auto') {
    return Math.min(typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length, maxWasmThreads);
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new WasmTrainingError({
      code: 'E_INVALID_ARGUMENT',
      argument: 'threads',
      message: `threads must be "auto" or a positive integer, found ${String(threads)}. Pass e.g. { threads: 1 }.`,
    });
  }
  return Math.min(threads, maxWasmThreads);
}
