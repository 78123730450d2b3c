import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs';

/**
 * `MaxPoolGrad` (gradient of 2-D max pooling) for the WebAssembly backend, replacing the stock kernel of
 * tfjs-backend-wasm 4.22.0: it starts each window's maximum at the smallest positive float instead of −∞,
 * so a window without a positive value (all negative, or all zero after a ReLU) sends its gradient to
 * the tensor's first element instead of the window's maximum.
 *
 * Each output gradient in `dy` (`[batch, outHeight, outWidth, channels]`) is added to the first position
 * holding its window's maximum in `input` (`[batch, height, width, channels]`), as the cpu backend does
 * (padding never wins, NaN never wins). No wasm kernel computes window positions correctly, so this runs
 * as one host-side pass over the data, linear in `input` size × window size.
 */
export const maxPoolGradKernel: KernelFunc = ({ inputs, backend: kernelBackend, attrs }) => {
  const backend = kernelBackend as KernelBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const pooling = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = pooling;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = pooling;

  const inputValues = backend.readSync(input.dataId) as Float32Array;
  const outputGradient = backend.readSync(dy.dataId) as Float32Array;
  const inputGradient = new Float32Array(inputValues.length);
  const best = new Float32Array(channels);
  const bestPosition = new Int32Array(channels);

  for (let sample = 0; sample < batchSize; sample += 1) {
    for (let outRow = 0; outRow < outHeight; outRow += 1) {
      const rowStart = outRow * strideHeight - padInfo.top;
      const rowEnd = Math.min(rowStart + filterHeight, inHeight);
      for (let outColumn = 0; outColumn < outWidth; outColumn += 1) {
        const columnStart = outColumn * strideWidth - padInfo.left;
        const columnEnd = Math.min(columnStart + filterWidth, inWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        bestPosition.fill(-1);
        for (let row = Math.max(0, rowStart); row < rowEnd; row += 1) {
          for (let column = Math.max(0, columnStart); column < columnEnd; column += 1) {
            const pixel = ((sample * inHeight + row) * inWidth + column) * channels;
            for (let channel = 0; channel < channels; channel += 1) {
              const value = inputValues[pixel + channel];
              // Strictly greater: the first maximum wins, like the cpu backend and TensorFlow; a window of
              // only −∞ or NaN passes no gradient, as on the cpu backend.
              if (value > best[channel]) {
                best[channel] = value;
                bestPosition[channel] = pixel + channel;
              }
            }
          }
        }
        const gradientOffset = ((sample * outHeight + outRow) * outWidth + outColumn) * channels;
        for (let channel = 0; channel < channels; channel += 1) {
          if (bestPosition[channel] >= 0) {
            inputGradient[bestPosition[channel]] += outputGradient[gradientOffset + channel];
          }
        }
      }
    }
  }
  return { dataId: backend.write(inputGradient, input.shape, 'float32'), shape: input.shape, dtype: 'float32' };
};
