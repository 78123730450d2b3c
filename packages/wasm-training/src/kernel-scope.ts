import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

/**
 * Runs registered kernels directly on backend data from inside another kernel, and frees every
 * intermediate result it produced except the ones handed back with {@link KernelScope.keep}.
 *
 * Composite kernels call other kernels' functions instead of tfjs ops: ops would record onto the
 * gradient tape and allocate engine-tracked tensors in the middle of the outer kernel call.
 */
export interface KernelScope {
  /** Runs the kernel registered as `kernelName` on the scope's backend; the result is freed on {@link KernelScope.dispose}. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs?: NamedAttrMap): TensorInfo;
  /** Runs a specific kernel function (e.g. a stock kernel that is overridden in the registry). */
  runFunction(kernelFunc: KernelFunc, inputs: NamedTensorInfoMap, attrs?: NamedAttrMap): TensorInfo;
  /** Frees `info` when the scope is disposed (for data created outside {@link KernelScope.run}). */
  track(info: TensorInfo): TensorInfo;
  /** Excludes `info` from disposal, so it can be returned as the kernel's output. */
  keep(info: TensorInfo): TensorInfo;
  /** Frees every tracked intermediate result that was not kept. */
  dispose(): void;
}

/**
 * Creates a {@link KernelScope} over `backend`, resolving kernel names in the registry of `backendName`.
 * Use it in a `try { … } finally { scope.dispose() }` so intermediates are freed even when a kernel throws.
 */
export function createKernelScope(kernelBackend: object, backendName: string): KernelScope {
  // Kernel functions receive their backend untyped.
  const backend = kernelBackend as KernelBackend;
  const tracked: TensorInfo[] = [];

  const scope: KernelScope = {
    run(kernelName, inputs, attrs = {}) {
      const config = tf.getKernel(kernelName, backendName);
      if (config == null) {
        throw new Error(`Kernel '${kernelName}' is not registered for backend '${backendName}'.`);
      }
      return scope.runFunction(config.kernelFunc, inputs, attrs);
    },
    runFunction(kernelFunc, inputs, attrs = {}) {
      const result = kernelFunc({ inputs, attrs, backend });
      if (Array.isArray(result)) {
        // Every kernel composed here has a single output; a list would mean a wrong kernel name.
        result.forEach((info) => tracked.push(info));
        throw new Error('Composite kernels only call single-output kernels.');
      }
      return scope.track(result);
    },
    track(info) {
      tracked.push(info);
      return info;
    },
    keep(info) {
      const position = tracked.indexOf(info);
      if (position >= 0) {
        tracked.splice(position, 1);
      }
      return info;
    },
    dispose() {
      // Each tracked entry owns one reference: reshapes share data and only decrement a count.
      for (const info of tracked.splice(0)) {
        backend.disposeData(info.dataId);
      }
    },
  };
  return scope;
}
