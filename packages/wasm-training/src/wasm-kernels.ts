import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import { createAvgPoolGradKernel } from './avg-pool-grad-kernel';
import { createBatchMatMulKernel } from './batch-mat-mul-kernel';
import { createChannelBroadcastKernel } from './channel-broadcast-kernels';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter-kernel';
import { createConv2DBackpropInputKernel } from './conv2d-backprop-input-kernel';
import { createConv2DKernel, createFusedConv2DKernel } from './conv2d-kernel';
import { depthwiseConv2dBackpropFilterKernel, depthwiseConv2dBackpropInputKernel } from './depthwise-conv2d-backprop-kernels';
import { einsumKernel } from './einsum-kernel';
import { createFusedBatchNormKernel } from './fused-batch-norm-kernel';
import { createGatherV2Kernel } from './gather-v2-kernel';
import { createLeadingAxesReductionKernel } from './leading-axes-reduction-kernels';
import { maxPoolGradKernel } from './max-pool-grad-kernel';
import { createOneHotKernel } from './one-hot-kernel';
import { createResizeBilinearGradKernel } from './resize-bilinear-grad-kernel';
import { resizeNearestNeighborGradKernel } from './resize-nearest-neighbor-grad-kernel';
import { createCastKernel, createIdentityKernel } from './shared-data-kernels';
import { createTileKernel } from './tile-kernel';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum-kernel';
import { WasmTrainingError } from './wasm-training-error';

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
    throw new WasmTrainingError({
      code: 'E_BACKEND_UNAVAILABLE',
      message: `The 'wasm' backend has no stock '${kernelName}' kernel to build on: install @tensorflow/tfjs-backend-wasm 4.22.0, the version these kernels are written for.`,
    });
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
  { kernelName: 'Einsum', when: 'missing', create: () => einsumKernel },
  { kernelName: 'GatherV2', when: 'replace', create: (stock) => createGatherV2Kernel(requireStock('GatherV2', stock)) },
  {
    kernelName: 'ResizeBilinearGrad',
    when: 'replace',
    create: (stock) => createResizeBilinearGradKernel(requireStock('ResizeBilinearGrad', stock)),
  },
  { kernelName: 'ResizeNearestNeighborGrad', when: 'replace', create: () => resizeNearestNeighborGradKernel },
  {
    kernelName: 'AvgPoolGrad',
    when: 'replace',
    create: (stock) => createAvgPoolGradKernel(requireStock('AvgPoolGrad', stock)),
  },
  { kernelName: 'Conv2D', when: 'replace', create: (stock) => createConv2DKernel(requireStock('Conv2D', stock)) },
  {
    kernelName: 'FusedConv2D',
    when: 'replace',
    create: (stock) => createFusedConv2DKernel(requireStock('FusedConv2D', stock)),
  },
  {
    kernelName: 'Sum',
    when: 'replace',
    create: (stock) => createLeadingAxesReductionKernel(requireStock('Sum', stock), 'sum'),
  },
  {
    kernelName: 'Mean',
    when: 'replace',
    create: (stock) => createLeadingAxesReductionKernel(requireStock('Mean', stock), 'mean'),
  },
  // Batch norm's per-channel arithmetic: one SIMD pass over rows when an operand is a per-channel vector.
  ...(
    [
      ['Add', 'add'],
      ['Sub', 'sub'],
      ['Multiply', 'mul'],
      ['RealDiv', 'div'],
    ] as const
  ).map(
    ([kernelName, operation]): TrainingKernel => ({
      kernelName,
      when: 'replace',
      create: (stock) => createChannelBroadcastKernel(requireStock(kernelName, stock), operation),
    }),
  ),
  {
    kernelName: 'FusedBatchNorm',
    when: 'replace',
    create: (stock) => createFusedBatchNormKernel(requireStock('FusedBatchNorm', stock)),
  },
  { kernelName: 'Identity', when: 'replace', create: (stock) => createIdentityKernel(requireStock('Identity', stock)) },
  { kernelName: 'Cast', when: 'replace', create: (stock) => createCastKernel(requireStock('Cast', stock)) },
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
 * wrong, each composed from wasm kernels it has (convolutions and their gradients run as WebAssembly SIMD loops
 * on the backend's memory, `simd-module.ts`, and fall back to compositions where that module cannot load):
 *
 * - `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput`,
 *   `UnsortedSegmentSum`, `Einsum` (inference only: tfjs has no `Einsum` gradient): missing;
 * - `Conv2DBackpropInput` (stock is a plain loop, ≈9× slower on ResNet-20), `Tile` (stock is an
 *   element loop; batch-norm gradients tile every step) and `BatchMatMul` with transposed operands
 *   (≈3.5× slower than transposing first; every dense-layer gradient): replaced by faster compositions;
 * - `AvgPoolGrad` (stock is a plain loop): replaced, non-overlapping windows as a SIMD loop;
 * - `Conv2D`, `FusedConv2D`: replaced by the SIMD loop on one thread (≈1.2× XNNPACK's single-threaded
 *   convolution), stock on several threads, for 1×1 filters and for what the loop does not handle;
 * - `Sum`, `Mean` over all axes but the last, `Add`, `Sub`, `Multiply`, `RealDiv` with a per-channel vector
 *   operand, `FusedBatchNorm` with per-channel statistics (batch normalisation and its gradient, 4–20× faster):
 *   replaced by SIMD loops over rows, stock for every other shape;
 * - `Identity` and `Cast` to the same dtype: stock copies the data; replaced by sharing it (reference counts);
 * - `OneHot`: stock writes int32 bits into float32 outputs;
 * - `MaxPoolGrad`: stock routes the gradient of windows without a positive value to the wrong element;
 * - `GatherV2` with `batchDims > 0`: stock indexes every batch as the first one (and reads past the end);
 * - `ResizeBilinearGrad`, `ResizeNearestNeighborGrad`: stock ignores `halfPixelCenters`, and the nearest-neighbour
 *   one also drops the gradient of a size-1 axis with `alignCorners`.
 *
 * Idempotent, and safe before or after the backend is initialised. Replaced stock kernels keep their
 * `setupFunc`, because the replacements call them for the cases they do not handle.
 *
 * @throws WasmTrainingError `E_BACKEND_UNAVAILABLE` when tfjs-backend-wasm has not been loaded yet (call
 *   `activateWasmTraining(tf)`, or import it first) or lacks a kernel these build on (another version than 4.22.0).
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel('Conv2D', 'wasm') == null) {
    throw new WasmTrainingError({
      code: 'E_BACKEND_UNAVAILABLE',
      message:
        "The WebAssembly backend is not loaded: call activateWasmTraining(tf) (or selectBackend('wasm') of @core/runtime) or import '@tensorflow/tfjs-backend-wasm' before registerWasmTrainingKernels().",
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
