import { checkBatchShape, type BatchShape } from './batch-shape';
import type { RandomSource } from './random-source';

/**
 * Horizontal-flip augmentation: each image is mirrored left to right with probability 0.5 (one
 * draw of `random` per image, flipped when it is below 0.5). Returns a new array; `batch` is
 * unchanged.
 *
 * @param batch NHWC values.
 * @param shape `[batch, height, width, channels]`.
 */
export function randomFlip(batch: Float32Array, shape: BatchShape, random: RandomSource): Float32Array {
  checkBatchShape(batch, shape);
  const [count, height, width, channels] = shape;
  const result = batch.slice();
  const rowSize = width * channels;
  for (let image = 0; image < count; image += 1) {
    if (random.next() >= 0.5) continue;
    for (let row = 0; row < height; row += 1) {
      const rowStart = (image * height + row) * rowSize;
      for (let column = 0; column < width; column += 1) {
        const source = rowStart + column * channels;
        const target = rowStart + (width - 1 - column) * channels;
        for (let channel = 0; channel < channels; channel += 1) result[target + channel] = batch[source + channel];
      }
    }
  }
  return result;
}
