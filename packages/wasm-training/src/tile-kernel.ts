import type { KernelConfig, KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';

/** XNNPACK's broadcasting binary operators take at most this many dimensions. */
const maximumBroadcastRank = 6;

/**
 * A tile expressed as a broadcast: the input reshaped to `inputShape` broadcasts to `outputShape`, whose
 * row-major layout equals the tiled tensor's.
 */
export interface TileAsBroadcast {
  inputShape: number[];
  outputShape: number[];
}

/**
 * Rewrites `tile(x, reps)` as a broadcast. Each axis of size `d` repeated `r` times becomes the pair
 * `(r, d)` with the input holding 1 at the `r` position (tiling repeats whole blocks, so the repeat index is outer);
 * neighbouring axes of the same kind (broadcast or copied) are merged to keep the rank low.
 */
export function tileAsBroadcast(shape: readonly number[], reps: readonly number[]): TileAsBroadcast {
  const inputShape: number[] = [];
  const outputShape: number[] = [];
  let previousIsBroadcast: boolean | undefined;
  const push = (inputSize: number, outputSize: number) => {
    if (outputSize === 1) {
      return;
    }
    const isBroadcast = inputSize === 1;
    if (previousIsBroadcast === isBroadcast) {
      inputShape[inputShape.length - 1] *= inputSize;
      outputShape[outputShape.length - 1] *= outputSize;
    } else {
      inputShape.push(inputSize);
      outputShape.push(outputSize);
    }
    previousIsBroadcast = isBroadcast;
  };
  shape.forEach((size, axis) => {
    push(1, reps[axis]);
    push(size, size);
  });
  return { inputShape, outputShape };
}

/**
 * Creates a faster `Tile` kernel for the WebAssembly backend: float32 tiles run as one broadcasting XNNPACK
 * `Add` onto zeros, instead of the stock element-by-element loop. Batch-norm gradients tile a
 * `[1, 1, 1, channels]` tensor to the activation shape every step: about 500 ms of a ResNet-20 training step
 * (batch 32) with the stock kernel, about 10 ms as a broadcast. Other dtypes and very high ranks use `stock`.
 * Output shape `x.shape[i] * reps[i]`; values are exact.
 */
export function createTileKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: TensorInfo };
    const { reps } = attrs as unknown as TileAttrs;
    const broadcast = tileAsBroadcast(x.shape, reps);
    if (x.dtype !== 'float32' || broadcast.outputShape.length > maximumBroadcastRank) {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const tiledShape = x.shape.map((size, axis) => size * reps[axis]);
    const scope = createKernelScope(backend, 'wasm');
    try {
      const reshaped = scope.run('Reshape', { x }, { shape: broadcast.inputShape });
      const zeros = scope.run('Fill', {}, { shape: broadcast.outputShape, value: 0, dtype: 'float32' });
      const spread = scope.run('Add', { a: reshaped, b: zeros }, {});
      return scope.keep(scope.run('Reshape', { x: spread }, { shape: tiledShape }));
    } finally {
      scope.dispose();
    }
  };
}
