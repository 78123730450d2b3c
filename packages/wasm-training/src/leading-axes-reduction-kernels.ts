import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from '@tensorflow/tfjs';
import { buildChannelModule, sumColumns } from './simd-channel-functions';
import { loadSimdModule } from './simd-module';

/**
 * Creates a `Sum` (`kind: 'sum'`) or `Mean` (`kind: 'mean'`) kernel for the WebAssembly backend that reduces a
 * float32 tensor over every axis but the last (`[..., channels]` → `[channels]`, or `[1, …, 1, channels]` with
 * `keepDims`) with one SIMD pass over the data (`simd-channel-functions.ts`): the per-channel sums of batch
 * normalisation and its gradient, and the bias gradients of dense and convolution layers. tfjs-backend-wasm
 * 4.22.0 transposes the channels first and reduces rows (≈1 ms on a `[32, 32, 32, 16]` activation, ≈0.1 ms here).
 * Sums run in float32 in chunks of 64 rows; the cpu backend sums in float64 (relative difference ≈1e-6).
 * Other axes and dtypes go to `stock`.
 */
export function createLeadingAxesReductionKernel(stock: KernelConfig, kind: 'sum' | 'mean'): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims } = attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const axes = [...tf.util.parseAxisParam(axis, x.shape)].sort((left, right) => left - right);
    const leadingAxes = rank >= 2 && axes.length === rank - 1 && axes.every((value, index) => value === index);
    const channels = x.shape[rank - 1];
    const rows = tf.util.sizeFromShape(x.shape) / Math.max(channels, 1);
    const simd =
      leadingAxes && x.dtype === 'float32' && channels > 0 && rows > 0
        ? loadSimdModule(backend, 'channels', buildChannelModule)
        : undefined;
    if (simd == null) {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const outputShape = keepDims ? [...new Array<number>(rank - 1).fill(1), channels] : [channels];
    const result = simd.allocate(outputShape);
    sumColumns(simd, simd.address(x), simd.address(result), rows, channels, kind === 'mean' ? rows : 1);
    return result;
  };
}
