import type { KernelBackend, KernelConfig, KernelFunc, ResizeBilinearGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import { sourceScale } from './resize-nearest-neighbor-grad-kernel';

/**
 * Creates a `ResizeBilinearGrad` kernel (gradient of `tf.image.resizeBilinear`) for the WebAssembly backend that
 * honours `halfPixelCenters`. The stock kernel of tfjs-backend-wasm 4.22.0 (`stock`) ignores it and spreads
 * each output gradient as with `halfPixelCenters: false`: with `dy` in [−1, 1), input gradients off by up to 1.25
 * (`[2, 5, 3, 1]` → 2×7) or 0.95 (`[2, 3, 4, 2]` → 6×8). Without `halfPixelCenters`, `stock` is right and is used unchanged.
 *
 * With it, each gradient in `dy` (`[batch, newHeight, newWidth, channels]`) is spread over the (up to) four
 * input pixels of `images` (`[batch, height, width, channels]`) that the forward kernel interpolated, with the
 * same weights: the exact adjoint of the forward pass. No wasm kernel computes those positions, so this is one
 * host-side pass linear in `dy` size, cheap next to the convolutions around an upsampling layer.
 */
export function createResizeBilinearGradKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend: kernelBackend, attrs }) => {
    const { alignCorners, halfPixelCenters } = attrs as unknown as ResizeBilinearGradAttrs;
    if (!halfPixelCenters) {
      return stock.kernelFunc({ inputs, backend: kernelBackend, attrs });
    }
    const backend = kernelBackend as KernelBackend;
    const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
    const [batch, height, width, channels] = images.shape;
    const [, newHeight, newWidth] = dy.shape;
    const rowScale = sourceScale(height, newHeight, alignCorners);
    const columnScale = sourceScale(width, newWidth, alignCorners);
    const outputGradient = backend.readSync(dy.dataId) as Float32Array;
    const inputGradient = new Float32Array(batch * height * width * channels);

    let gradientOffset = 0;
    for (let sample = 0; sample < batch; sample += 1) {
      const sampleOffset = sample * height;
      for (let row = 0; row < newHeight; row += 1) {
        // Same source coordinates as the forward kernel: the gradient is its adjoint.
        const sourceRow = rowScale * (row + 0.5) - 0.5;
        const topRow = Math.max(0, Math.floor(sourceRow));
        const bottomRow = Math.min(height - 1, Math.ceil(sourceRow));
        const rowFraction = sourceRow - topRow;
        const topOffset = (sampleOffset + topRow) * width;
        const bottomOffset = (sampleOffset + bottomRow) * width;
        for (let column = 0; column < newWidth; column += 1) {
          const sourceColumn = columnScale * (column + 0.5) - 0.5;
          const leftColumn = Math.max(0, Math.floor(sourceColumn));
          const rightColumn = Math.min(width - 1, Math.ceil(sourceColumn));
          const columnFraction = sourceColumn - leftColumn;
          const topLeft = (topOffset + leftColumn) * channels;
          const topRight = (topOffset + rightColumn) * channels;
          const bottomLeft = (bottomOffset + leftColumn) * channels;
          const bottomRight = (bottomOffset + rightColumn) * channels;
          const topLeftWeight = (1 - rowFraction) * (1 - columnFraction);
          const topRightWeight = (1 - rowFraction) * columnFraction;
          const bottomLeftWeight = rowFraction * (1 - columnFraction);
          const bottomRightWeight = rowFraction * columnFraction;
          for (let channel = 0; channel < channels; channel += 1) {
            const gradient = outputGradient[gradientOffset];
            gradientOffset += 1;
            inputGradient[topLeft + channel] += gradient * topLeftWeight;
            inputGradient[topRight + channel] += gradient * topRightWeight;
            inputGradient[bottomLeft + channel] += gradient * bottomLeftWeight;
            inputGradient[bottomRight + channel] += gradient * bottomRightWeight;
          }
        }
      }
    }
    return { dataId: backend.write(inputGradient, images.shape, 'float32'), shape: images.shape, dtype: 'float32' };
  };
}
