import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describeFailure } from './describe-failure';
import { currentModuleLocation } from './wasm-binary-directory';

/**
 * The multi-threaded WebAssembly build of tfjs-backend-wasm, started in Node.js.
 *
 * Stock tfjs runs the single-threaded build in Node (its thread check answers "no" for Node), although
 * the package ships the threaded build and its Emscripten glue supports `worker_threads`. Three things
 * stand in the way, and this module handles each:
 *
 * 1. The pthread worker script ships as a JS string meant for a browser `Blob`; Node workers need a
 *    file. It is written once per content hash to the temp directory (atomically: write, then rename).
 * 2. The backend caps its XNNPACK thread pool at half the logical cores that
 *    `emscripten_num_logical_cores` reports (`os.cpus().length` in Node), which is one thread on a
 *    2-core machine. The count is read once while the module initialises, so `os.cpus` reports twice
 *    the requested thread count for exactly that time.
 * 3. Running pthreads hold a reference on the event loop, so a process that finished its work would
 *    never exit. The pool's workers are unreferenced once the backend exists.
 */

/** Marks the backend factory registered here (a registry-wide symbol, shared by the ESM and CJS builds). */
const threadedFactoryMarker = Symbol.for('core.backends.threadedWasmFactory');
/** Where the stock factory is kept once replaced, so it can serve as the fallback. */
const stockFactoryKey = Symbol.for('core.backends.stockWasmFactory');
/** What the last threaded start reported (threads, or why it fell back), shared across builds. */
const lastStartKey = Symbol.for('core.backends.threadedWasmLastStart');

/**
 * The most threads the WebAssembly backend runs: its XNNPACK pool cannot exceed the 8 pthread workers the
 * threaded build pre-creates.
 */
export const maxWasmThreads = 8;
/** How long the threaded module may take to start its workers before the single-threaded build is used. */
const startTimeoutMs = 60_000;

type TensorFlow = typeof import('@tensorflow/tfjs');
type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');
type BackendFactory = () => unknown;

interface EmscriptenWorker {
  unref?(): void;
}

interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argumentTypes: string[]): (...args: number[]) => number;
  PThread?: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[]; terminateAllThreads(): void };
  tfjs?: unknown;
}

type ThreadedFactory = (config: Record<string, unknown>) => Promise<ThreadedModule>;

/** What the last start of the threaded backend did, for the report of `activateWasmTraining`. */
export interface ThreadedWasmStart {
  threads: number;
  /** Set when the single-threaded build was started instead, with the reason. */
  fallbackReason?: string;
}

const globalState = globalThis as unknown as Record<symbol, unknown>;

/** The last start's report, or undefined when the threaded factory has not run. */
export function lastThreadedWasmStart(): ThreadedWasmStart | undefined {
  return globalState[lastStartKey] as ThreadedWasmStart | undefined;
}

/** Why this Node.js cannot run the threaded build, or undefined when it can. */
export function threadedWasmUnsupportedReason(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') {
    return 'SharedArrayBuffer is not available in this Node.js';
  }
  try {
    // A module with a shared memory and an atomic load (the feature test tfjs uses in browsers).
    const threadsProbe = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0,
      26, 11,
    ]);
    const engine = (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
    if (engine == null || !engine.validate(threadsProbe)) {
      return 'this WebAssembly engine has no threads support';
    }
  } catch (error) {
    return `the WebAssembly threads check failed: ${String(error)}`;
  }
  return undefined;
}

/**
 * Makes the next initialisation of the `wasm` backend start the threaded build with `threads` threads
 * (falling back to the stock single-threaded build, with the reason in {@link lastThreadedWasmStart},
 * if it cannot start). Does nothing once the backend is initialised. Idempotent.
 *
 * @returns false when the backend was already initialised or no stock factory is registered.
 */
export function installThreadedWasmFactory(tf: TensorFlow, wasmPackage: WasmPackage, threads: number): boolean {
  if (tf.findBackend('wasm') != null) {
    return false;
  }
  const registered = tf.findBackendFactory('wasm') as (BackendFactory & Record<symbol, unknown>) | null;
  let stock: BackendFactory | undefined;
  if (registered != null && registered[threadedFactoryMarker] === true) {
    stock = globalState[stockFactoryKey] as BackendFactory | undefined;
  } else if (registered != null) {
    stock = registered;
    globalState[stockFactoryKey] = registered;
  } else {
    stock = globalState[stockFactoryKey] as BackendFactory | undefined;
  }
  if (stock == null) {
    return false;
  }
  const fallback = stock;
  const factory = async () => {
    try {
      const backend = await createThreadedBackend(wasmPackage, threads);
      globalState[lastStartKey] = { threads: wasmPackage.getThreadsCount() } satisfies ThreadedWasmStart;
      return backend;
    } catch (error) {
      globalState[lastStartKey] = {
        threads: 1,
        fallbackReason: `the threaded WebAssembly build did not start (${describeFailure(error)}); using the single-threaded build`,
      } satisfies ThreadedWasmStart;
      wasmPackage.setThreadsCount(1);
      return fallback();
    }
  };
  Object.defineProperty(factory, threadedFactoryMarker, { value: true });
  if (registered != null) {
    tf.removeBackend('wasm');
  }
  // tfjs-backend-wasm registers with priority 2; keep it so `auto` ordering in tfjs itself is unchanged.
  tf.registerBackend('wasm', factory as () => never, 2);
  return true;
}

async function createThreadedBackend(wasmPackage: WasmPackage, threads: number): Promise<unknown> {
  const unsupported = threadedWasmUnsupportedReason();
  if (unsupported != null) {
    throw new Error(unsupported);
  }
  const require = createRequire(currentModuleLocation());
  const glue = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), 'tfjs-backend-wasm-threaded-simd.wasm');
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing`);
  }
  const workerScript = writeWorkerScript(
    (require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as { wasmWorkerContents: string })
      .wasmWorkerContents,
  );
  const createModule = require(glue) as ThreadedFactory;

  // See the module comment, point 2: the thread cap is computed from os.cpus() during initialisation.
  const realCpus = os.cpus;
  os.cpus = () => {
    const cpus = realCpus();
    return Array.from({ length: 2 * threads }, (_, index) => cpus[index % Math.max(cpus.length, 1)]);
  };
  // The workers do not hold the event loop open while they load, so nothing else would keep an
  // `await activateWasmTraining(tf)` at the top of a script from ending the process early.
  const keepAlive = setInterval(() => undefined, 1_000);
  let timer: NodeJS.Timeout | undefined;
  let module: ThreadedModule;
  try {
    module = await Promise.race([
      createModule({
        locateFile: (file: string) => (file.endsWith('.wasm') ? binary : file.endsWith('.worker.js') ? workerScript : file),
        mainScriptUrlOrBlob: glue,
        // Emscripten prints aborts itself; the promise rejection carries the reason.
        printErr: () => undefined,
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`its workers did not start within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
      }),
    ]);
  } finally {
    os.cpus = realCpus;
    clearInterval(keepAlive);
    clearTimeout(timer);
  }
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasmPackage.setThreadsCount(threads);
  const backend = new wasmPackage.BackendWasm(module as never);
  // See the module comment, point 3. The pool's threads started in the constructor; idle workers are
  // unreferenced by Emscripten itself once loaded.
  for (const worker of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) {
    worker.unref?.();
  }
  return backend;
}

/**
 * Writes the pthread worker script where Node's `worker_threads` can load it, once per content:
 * the name carries a hash, and the file is renamed into place, so concurrent processes never see a
 * partial file.
 */
function writeWorkerScript(contents: string): string {
  // The script is shipped for a Blob; a literal newline inside its strings must stay escaped in a file.
  const script = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const directory = path.join(os.tmpdir(), 'core-runtime-wasm');
  const file = path.join(directory, `threaded-simd-${hash}.worker.cjs`);
  if (!existsSync(file)) {
    mkdirSync(directory, { recursive: true });
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temporary, script);
    renameSync(temporary, file);
  }
  return file;
}
