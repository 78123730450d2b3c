import type { TensorInfo } from '@tensorflow/tfjs';
import { encodeModule } from './wasm-module-builder';
import type { FunctionBuilder } from './wasm-module-builder';

/** A `WebAssembly.Memory` (the ES2022 library this package compiles against has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

/** The parts of the `WebAssembly` JavaScript API used here. */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

/** The parts of tfjs-backend-wasm 4.22.0's `BackendWasm` the SIMD kernels read. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): TensorInfo;
  wasm: {
    HEAPU8: Uint8Array;
    tfjs?: { getThreadsCount?: () => number };
    /** The threaded build keeps its (shared) memory here. */
    wasmMemory?: WasmMemory;
    /** The single-threaded build exports its memory from the instance. */
    asm?: { memory?: WasmMemory };
  };
}

/** A module of SIMD loops instantiated on the memory of one `wasm` backend. */
export interface SimdModule {
  /** The module's exported functions: i32 counts, byte addresses and byte steps (and f32 where documented). */
  functions: Record<string, (...args: number[]) => void>;
  /** Byte address of a tensor's data in the backend's memory. */
  address(info: TensorInfo): number;
  /** Threads the backend's XNNPACK kernels run on (the SIMD loops always run on the calling thread). */
  threads: number;
  /** A new float32 tensor of `shape` on the backend, uninitialised. */
  allocate(shape: number[]): TensorInfo;
  /** A new float32 tensor of `shape` on the backend, filled with zeros. */
  zeros(shape: number[]): TensorInfo;
  /** A new float32 tensor of `shape` on the backend holding `values`. */
  fromValues(shape: number[], values: Float32Array): TensorInfo;
}

function findMemory(backend: WasmBackendInternals): WasmMemory | undefined {
  const memory = backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
  // The memory must be the one tensors live in, or addresses would point elsewhere.
  return memory != null && memory.buffer === backend.wasm.HEAPU8?.buffer ? memory : undefined;
}

/**
 * Builds (once per backend, cached on the backend object under a registry-wide symbol, so the ESM and CJS
 * builds share it) and instantiates a module of SIMD loops that reads and writes tensors in place in
 * tfjs-backend-wasm's memory. Returns undefined where that is impossible: another backend, a build that
 * does not expose its memory, or a WebAssembly engine without SIMD (callers fall back to composed kernels).
 *
 * The functions get raw byte addresses: they must only touch the tensors they are given, within bounds.
 */
export function loadSimdModule(
  kernelBackend: object,
  name: string,
  build: () => Record<string, FunctionBuilder>,
): SimdModule | undefined {
  const backend = kernelBackend as WasmBackendInternals & Record<symbol, SimdModule | null | undefined>;
  const key = Symbol.for(`core.backends.simdModule.${name}`);
  const cached = backend[key];
  if (cached !== undefined) {
    return cached ?? undefined;
  }
  let loaded: SimdModule | null = null;
  const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  const memory = findMemory(backend);
  if (webAssembly != null && memory != null && typeof backend.dataIdMap?.get === 'function') {
    // Encoding errors are bugs and throw; only the engine may refuse the module.
    // SharedArrayBuffer may be absent (browsers without cross-origin isolation); then no memory is shared.
    const sharedMemory = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = encodeModule({ functions: build(), sharedMemory });
    try {
      const instance = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } });
      loaded = {
        functions: instance.exports as SimdModule['functions'],
        threads: backend.wasm.tfjs?.getThreadsCount?.() ?? 1,
        address(info) {
          const data = backend.dataIdMap.get(info.dataId);
          if (data == null) {
            throw new Error('Tensor data is not on the wasm backend.');
          }
          return data.memoryOffset;
        },
        allocate(shape) {
          return backend.makeOutput(shape, 'float32');
        },
        fromValues(shape, values) {
          return backend.makeOutput(shape, 'float32', undefined, values);
        },
        zeros(shape) {
          const info = backend.makeOutput(shape, 'float32');
          const size = shape.reduce((product, length) => product * length, 1);
          // Read the buffer after allocating: allocation may have grown (replaced) it.
          new Float32Array(memory.buffer, this.address(info), size).fill(0);
          return info;
        },
      };
    } catch {
      // No SIMD (or synchronous compilation refused): the composed kernels remain.
      loaded = null;
    }
  }
  Object.defineProperty(backend, key, { value: loaded, configurable: true });
  return loaded ?? undefined;
}
