import * as tf from '@tensorflow/tfjs';
import type { AvgPoolGradAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { loadSimdModule } from './simd-module';
import { averagePoolGradient, buildPoolingModule } from './simd-pooling-functions';

type Shape4D = [number, number, number, number];

/**
 * Creates an `AvgPoolGrad` kernel (gradient of 2-D average pooling) for the WebAssembly backend, replacing the
 * stock kernel of tfjs-backend-wasm 4.22.0, a plain loop (≈3 ms of a LeNet-5 training step).
 *
 * Like the cpu backend, every window passes `dy / (filterHeight · filterWidth)` to each input it covers, padding
 * included in the count (the forward 'same' pooling divides edge windows by their valid elements only; the
 * gradient does not). When windows do not overlap (stride = filter size, the usual 2×2 pooling), each input
 * belongs to one window at most: a WebAssembly SIMD loop (`simd-pooling-functions.ts`) divides each `dy` vector
 * (`[batch, outHeight, outWidth, channels]`) by `fh · fw` once and writes it over its window of `dx`
 * (`[batch, height, width, channels]`), zero where no window reaches (≈0.1 ms for LeNet-5's first pooling, against
 * 2.2 ms stock). With padding before the data (or without the SIMD module), `dy` viewed as
 * `[batch, outHeight, 1, outWidth, 1, channels]` is divided by a broadcast `[1, 1, fh, 1, fw, 1]` tensor of `fh · fw`
 * (one XNNPACK `RealDiv`), then cut or zero-padded to the input. Dividing rounds like the cpu backend's
 * multiplication in double precision (bit-exact in the tests). Overlapping windows go to `stock`.
 */
export function createAvgPoolGradKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
    const pooling = tf.backend_util.computePool2DInfo(input.shape as Shape4D, filterSize, strides, 1, pad);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = pooling;
    const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = pooling;
    if (filterHeight !== strideHeight || filterWidth !== strideWidth || dy.dtype !== 'float32') {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const simd =
      padInfo.top === 0 && padInfo.left === 0 ? loadSimdModule(backend, 'pooling', buildPoolingModule) : undefined;
    if (simd != null) {
      const grid = {
        batch: batchSize,
        height: inHeight,
        width: inWidth,
        channels: inChannels,
        outHeight,
        outWidth,
        windowHeight: filterHeight,
        windowWidth: filterWidth,
      };
      const covered = outHeight * filterHeight >= inHeight && outWidth * filterWidth >= inWidth;
      const result = covered ? simd.allocate([...input.shape]) : simd.zeros([...input.shape]);
      averagePoolGradient(simd, grid, simd.address(dy), simd.address(result));
      return result;
    }

    const scope = createKernelScope(backend, 'wasm');
    try {
      const windows = scope.run('Reshape', { x: dy }, { shape: [batchSize, outHeight, 1, outWidth, 1, inChannels] });
      const sizes = scope.run(
        'Fill',
        {},
        { shape: [1, 1, filterHeight, 1, filterWidth, 1], value: filterHeight * filterWidth, dtype: 'float32' },
      );
      const spread = scope.run('RealDiv', { a: windows, b: sizes });
      // Row r of the spread gradient is input row r − padInfo.top (likewise for columns).
      let gradient = scope.run(
        'Reshape',
        { x: spread },
        { shape: [batchSize, outHeight * filterHeight, outWidth * filterWidth, inChannels] },
      );
      const keptHeight = Math.min(inHeight, outHeight * filterHeight - padInfo.top);
      const keptWidth = Math.min(inWidth, outWidth * filterWidth - padInfo.left);
      if (padInfo.top > 0 || padInfo.left > 0 || keptHeight < gradient.shape[1] || keptWidth < gradient.shape[2]) {
        gradient = scope.run(
          'Slice',
          { x: gradient },
          { begin: [0, padInfo.top, padInfo.left, 0], size: [batchSize, keptHeight, keptWidth, inChannels] },
        );
      }
      if (keptHeight < inHeight || keptWidth < inWidth) {
        // Inputs past the last window (a 'valid' pooling that does not divide the size) get no gradient.
        gradient = scope.run(
          'PadV2',
          { x: gradient },
          { paddings: [[0, 0], [0, inHeight - keptHeight], [0, inWidth - keptWidth], [0, 0]], constantValue: 0 },
        );
      }
      return scope.keep(gradient);
    } finally {
      scope.dispose();
    }
  };
}
