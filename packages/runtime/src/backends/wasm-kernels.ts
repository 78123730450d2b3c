import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { BackendUnavailableError } from './backend-errors';
import { createBatchMatMulKernel } from './batch-mat-mul-kernel';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter-kernel';
import { createConv2DBackpropInputKernel } from './conv2d-backprop-input-kernel';
import { depthwiseConv2dBackpropFilterKernel, depthwiseConv2dBackpropInputKernel } from './depthwise-conv2d-backprop-kernels';
import { maxPoolGradKernel } from './max-pool-grad-kernel';
import { createOneHotKernel } from './one-hot-kernel';
import { createTileKernel } from './tile-kernel';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum-kernel';

/**
 * Marks kernel configs registered here. A registry-wide symbol (not module state) keeps registration
 * idempotent even when the ESM and CJS builds of this package are both loaded.
 */
const trainingKernelMarker = Symbol.for('core.backends.wasmTrainingKernel');

interface TrainingKernel {
  kernelName: string;
  /** Builds the kernel function; `stock` is the kernel tfjs-backend-wasm registered under the same name, if any. */
  create(stock: KernelConfig | undefined): KernelFunc;
  /** `missing`: only when tfjs-backend-wasm has none. `replace`: also over the stock kernel. */
  when: 'missing' | 'replace';
}

function requireStock(kernelName: string, stock: KernelConfig | undefined): KernelConfig {
  if (stock == null) {
    throw new Error(`The 'wasm' backend has no stock '${kernelName}' kernel to build on.`);
  }
  return stock;
}

const trainingKernels: readonly TrainingKernel[] = [
  { kernelName: 'Conv2DBackpropFilter', when: 'missing', create: () => conv2DBackpropFilterKernel },
  { kernelName: 'Conv2DBackpropInput', when: 'replace', create: (stock) => createConv2DBackpropInputKernel(stock) },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    when: 'missing',
    create: () => depthwiseConv2dBackpropFilterKernel,
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    when: 'missing',
    create: () => depthwiseConv2dBackpropInputKernel,
  },
  { kernelName: 'UnsortedSegmentSum', when: 'missing', create: () => unsortedSegmentSumKernel },
  { kernelName: 'MaxPoolGrad', when: 'replace', create: () => maxPoolGradKernel },
  { kernelName: 'OneHot', when: 'replace', create: (stock) => createOneHotKernel(requireStock('OneHot', stock)) },
  { kernelName: 'Tile', when: 'replace', create: (stock) => createTileKernel(requireStock('Tile', stock)) },
  {
    kernelName: 'BatchMatMul',
    when: 'replace',
    create: (stock) => createBatchMatMulKernel(requireStock('BatchMatMul', stock)),
  },
];

/**
 * Names of the kernels {@link registerWasmTrainingKernels} adds to or replaces on the `wasm` backend,
 * for logs and diagnostics.
 */
export const wasmTrainingKernelNames: readonly string[] = trainingKernels.map((kernel) => kernel.kernelName);

function isTrainingKernel(config: KernelConfig | undefined): boolean {
  return config != null && (config as unknown as Record<symbol, unknown>)[trainingKernelMarker] === true;
}

/**
 * Registers on the `wasm` backend the kernels that training needs and tfjs-backend-wasm 4.22.0 lacks or gets
 * wrong, each composed from wasm kernels it has:
 *
 * - `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`,
 *   `UnsortedSegmentSum`: missing;
 * - `Conv2DBackpropInput` (stock is a plain loop, ≈9× slower on ResNet-20), `Tile` (stock is an
 *   element loop; batch-norm gradients tile every step) and `BatchMatMul` with transposed operands
 *   (≈3.5× slower than transposing first; every dense-layer gradient): replaced by faster compositions;
 * - `OneHot`: stock writes int32 bits into float32 outputs;
 * - `MaxPoolGrad`: stock routes the gradient of windows without a positive value to the wrong element.
 *
 * Idempotent, and safe before or after the backend is initialised. Replaced stock kernels keep their
 * `setupFunc`, because the replacements call them for the cases they do not handle.
 *
 * @throws BackendUnavailableError when tfjs-backend-wasm has not been loaded yet (call `selectBackend('wasm')` or import it first).
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2D', 'wasm') == null) {
    throw new BackendUnavailableError({
      backend: 'wasm',
      message:
        "The WebAssembly backend is not loaded: call selectBackend('wasm') or import '@tensorflow/tfjs-backend-wasm' before registerWasmTrainingKernels().",
    });
  }
  for (const kernel of trainingKernels) {
    const existing = tf.getKernel(kernel.kernelName, 'wasm');
    if (isTrainingKernel(existing) || (existing != null && kernel.when === 'missing')) {
      continue;
    }
    if (existing != null) {
      tf.unregisterKernel(kernel.kernelName, 'wasm');
    }
    const config: KernelConfig = {
      kernelName: kernel.kernelName,
      backendName: 'wasm',
      kernelFunc: kernel.create(existing),
      setupFunc: existing?.setupFunc,
      disposeFunc: existing?.disposeFunc,
    };
    Object.defineProperty(config, trainingKernelMarker, { value: true });
    tf.registerKernel(config);
  }
}
