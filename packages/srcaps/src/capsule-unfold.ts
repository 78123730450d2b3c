import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';

/** Kernel, stride and zero padding of a convolutional capsule layer (square, in grid cells). */
export interface CapsuleWindow {
  kernelSize: number;
  stride: number;
  padding: number;
}

/** Output grid size of a convolutional capsule layer, as for a convolution: `⌊(n + 2p − k) / s⌋ + 1`. */
export function capsuleOutputSize(size: number, window: CapsuleWindow): number {
  return Math.floor((size + 2 * window.padding - window.kernelSize) / window.stride) + 1;
}

/** Checks a window's numbers and that it fits a `height × width` grid; returns the output grid. */
export function checkCapsuleWindow(layer: string, height: number, width: number, window: CapsuleWindow): [number, number] {
  for (const key of ['kernelSize', 'stride'] as const) {
    if (!Number.isInteger(window[key]) || window[key] < 1) {
      throw new InvalidArgumentError(key, `${layer}: ${key} must be a positive integer, got ${window[key]}.`);
    }
  }
  if (!Number.isInteger(window.padding) || window.padding < 0 || window.padding >= window.kernelSize) {
    throw new InvalidArgumentError('padding', `${layer}: padding must be an integer in [0, kernelSize), got ${window.padding} for kernelSize ${window.kernelSize}.`);
  }
  const outHeight = capsuleOutputSize(height, window);
  const outWidth = capsuleOutputSize(width, window);
  if (outHeight < 1 || outWidth < 1) {
    throw new InvalidArgumentError(
      'kernelSize',
      `${layer}: a ${window.kernelSize}×${window.kernelSize} kernel with padding ${window.padding} does not fit the ${height}×${width} capsule grid of the previous layer; use a kernel of at most ${Math.min(height, width) + 2 * window.padding}.`,
    );
  }
  return [outHeight, outWidth];
}

/**
 * Unfolds the k×k windows of a capsule grid (`F.unfold` followed by the reference's permute):
 * `[b, H, W, A·X]` (channel `a·X + x`) → `[k·k·A, b·H'·W', X]`, row `(ky·k + kx)·A + a`, column
 * `(batch·H' + y')·W' + x'`. Zero padding adds capsules with zero activation and zero pose.
 *
 * The capsule-major layout puts the per-capsule weights on the leading axis, so the pose transform
 * and the routing logits are one batched matrix product each.
 */
export function unfoldCapsules(grid: tf.Tensor4D, types: number, size: number, window: CapsuleWindow): { patches: tf.Tensor3D; outHeight: number; outWidth: number } {
  const [batch, height, width, channels] = grid.shape;
  const { kernelSize: k, stride, padding } = window;
  const [outHeight, outWidth] = checkCapsuleWindow('unfoldCapsules', height, width, window);
  if (channels !== types * size) {
    throw new InvalidArgumentError('grid', `unfoldCapsules: expected ${types}·${size} = ${types * size} channels, got ${channels}.`);
  }
  const positions = batch * outHeight * outWidth;
  return tf.tidy(() => {
    if (padding === 0 && k === height && k === width) {
      // The window covers the whole grid (a class layer): one transpose, no slicing.
      const patches = tf.transpose(tf.reshape(grid, [batch, k * k * types, size]), [1, 0, 2]) as tf.Tensor3D;
      return { patches, outHeight, outWidth };
    }
    if (k === 1 && stride === 1 && padding === 0) {
      const patches = tf.transpose(tf.reshape(grid, [positions, types, size]), [1, 0, 2]) as tf.Tensor3D;
      return { patches, outHeight, outWidth };
    }
    // One gather of the k·k·H'·W' window cells from the zero-padded grid (slicing each kernel offset
    // out separately costs a 6-D slice per offset and its gradient on wasm, 10–100× more).
    const padded = padding > 0 ? tf.pad(grid, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : grid;
    const paddedWidth = width + 2 * padding;
    const cells = tf.reshape(padded, [batch, (height + 2 * padding) * paddedWidth, channels]);
    const gathered = tf.gather(cells, windowCellIndices(k, stride, outHeight, outWidth, paddedWidth), 1); // [b, kk·H'·W', A·X]
    // [b, kk, L, A, X] → [kk, A, b, L, X] → [kkA, positions, X]
    const split = tf.reshape(gathered, [batch, k * k, outHeight * outWidth, types, size]);
    const patches = tf.reshape(tf.transpose(split, [1, 3, 0, 2, 4]), [k * k * types, positions, size]) as tf.Tensor3D;
    return { patches, outHeight, outWidth };
  });
}

/** Flat cell index `(y·s + ky)·W_padded + x·s + kx` of every (kernel offset, output position), offset-major. */
function windowCellIndices(k: number, stride: number, outHeight: number, outWidth: number, paddedWidth: number): tf.Tensor1D {
  const indices = new Int32Array(k * k * outHeight * outWidth);
  let index = 0;
  for (let ky = 0; ky < k; ky += 1) {
    for (let kx = 0; kx < k; kx += 1) {
      for (let y = 0; y < outHeight; y += 1) {
        for (let x = 0; x < outWidth; x += 1) indices[index++] = (y * stride + ky) * paddedWidth + x * stride + kx;
      }
    }
  }
  return tf.tensor1d(indices, 'int32');
}
