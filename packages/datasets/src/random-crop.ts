import { DataArgumentError } from './data-errors';
import { checkBatchShape, type BatchShape } from './batch-shape';
import { randomInteger, type RandomSource } from './random-source';

/**
 * Random-crop augmentation as used for CIFAR training: each image is padded with `padding` zeros
 * on every side and a window of the original size is cut out at a random offset, i.e. shifted by
 * up to `padding` pixels in each direction with zeros filling in. Per image, two draws of
 * `random` (vertical offset, then horizontal), each uniform over `0 … 2 * padding`. Returns a new
 * array; `batch` is unchanged. Padding with zeros happens before normalisation, so zero means black.
 *
 * @param batch NHWC values, `shape[0] * shape[1] * shape[2] * shape[3]` of them.
 * @param shape `[batch, height, width, channels]`.
 * @param padding pixels of zero padding per side; 0 returns a copy without drawing.
 */
export function randomCrop(batch: Float32Array, shape: BatchShape, padding: number, random: RandomSource): Float32Array {
  checkBatchShape(batch, shape);
  if (!Number.isInteger(padding) || padding < 0) throw new DataArgumentError('padding', `padding must be a non-negative integer, got ${padding}`);
  const [count, height, width, channels] = shape;
  if (padding === 0) return batch.slice();
  const result = new Float32Array(batch.length);
  const rowSize = width * channels;
  const imageSize = height * rowSize;
  for (let image = 0; image < count; image += 1) {
    // Source pixel (row + shiftRow, column + shiftColumn) lands on (row, column).
    const shiftRow = randomInteger(random, 2 * padding + 1) - padding;
    const shiftColumn = randomInteger(random, 2 * padding + 1) - padding;
    const firstColumn = Math.max(0, -shiftColumn);
    const lastColumn = Math.min(width, width - shiftColumn);
    if (firstColumn >= lastColumn) continue;
    for (let row = 0; row < height; row += 1) {
      const sourceRow = row + shiftRow;
      if (sourceRow < 0 || sourceRow >= height) continue;
      const source = image * imageSize + sourceRow * rowSize + (firstColumn + shiftColumn) * channels;
      const target = image * imageSize + row * rowSize + firstColumn * channels;
      result.set(batch.subarray(source, source + (lastColumn - firstColumn) * channels), target);
    }
  }
  return result;
}
