import type { KernelBackend, KernelFunc, ResizeNearestNeighborGradAttrs, TensorInfo } from '@tensorflow/tfjs';

/**
 * Ratio of input to output pixel positions used by the forward resize kernels (tfjs cpu and wasm): with
 * `alignCorners` the corner pixels map onto each other, so the ratio is `(inSize − 1) / (outSize − 1)`.
 */
export function sourceScale(inputSize: number, outputSize: number, alignCorners: boolean): number {
  return alignCorners && outputSize > 1 ? (inputSize - 1) / (outputSize - 1) : inputSize / outputSize;
}

/**
 * `ResizeNearestNeighborGrad` (gradient of `tf.image.resizeNearestNeighbor`) for the WebAssembly backend,
 * replacing the stock kernel of tfjs-backend-wasm 4.22.0, which ignores `halfPixelCenters` (whenever the scale is
 * not an integer the gradient lands on the wrong pixels: off by up to 2.1 with `dy` in [−1, 1) on `[2, 3, 4, 2]` → 5×7) and, with
 * `alignCorners`, drops the gradient of an axis of size 1 entirely (`[1, 1, 1, 1]` → 3×2 with all-ones `dy` gives 0
 * instead of 6).
 *
 * Each gradient in `dy` (`[batch, newHeight, newWidth, channels]`) is added to the input pixel of `images`
 * (`[batch, height, width, channels]`) the forward kernel copied it from, picked as the forward kernel picks it:
 * the exact adjoint of the forward pass, with float32 sums in `dy` order. No wasm kernel computes those positions,
 * so this is one host-side pass with one addition per `dy` element, cheap next to the convolutions around an
 * upsampling layer.
 */
export const resizeNearestNeighborGradKernel: KernelFunc = ({ inputs, backend: kernelBackend, attrs }) => {
  const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeNearestNeighborGradAttrs;
  const backend = kernelBackend as KernelBackend;
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const [batch, height, width, channels] = images.shape;
  const [, newHeight, newWidth] = dy.shape;
  const rowScale = sourceScale(height, newHeight, alignCorners);
  const columnScale = sourceScale(width, newWidth, alignCorners);
  // Same source pixel as the forward kernel picks: the gradient is its adjoint.
  const nearest = (position: number, scale: number, size: number) => {
    const source = scale * (halfPixelCenters ? position + 0.5 : position);
    return Math.max(0, Math.min(size - 1, alignCorners ? Math.round(source) : Math.floor(source)));
  };
  const sourceColumns = Int32Array.from({ length: newWidth }, (_, column) => nearest(column, columnScale, width));
  const outputGradient = backend.readSync(dy.dataId) as Float32Array;
  const inputGradient = new Float32Array(batch * height * width * channels);

  let gradientOffset = 0;
  for (let sample = 0; sample < batch; sample += 1) {
    for (let row = 0; row < newHeight; row += 1) {
      const rowOffset = (sample * height + nearest(row, rowScale, height)) * width;
      for (let column = 0; column < newWidth; column += 1) {
        const pixel = (rowOffset + sourceColumns[column]) * channels;
        for (let channel = 0; channel < channels; channel += 1) {
          inputGradient[pixel + channel] += outputGradient[gradientOffset];
          gradientOffset += 1;
        }
      }
    }
  }
  return { dataId: backend.write(inputGradient, images.shape, 'float32'), shape: images.shape, dtype: 'float32' };
};
