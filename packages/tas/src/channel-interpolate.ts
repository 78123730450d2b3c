import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';

/**
 * The `[from, to]` matrix of adaptive average pooling along channels: column k averages input
 * channels `[floor(k·from/to), ceil((k+1)·from/to))` (PyTorch's `adaptive_avg_pool` bins), so the
 * matrix is the identity when `from === to`.
 */
export function channelPoolingMatrix(from: number, to: number): number[][] {
  const matrix = Array.from({ length: from }, () => new Array<number>(to).fill(0));
  for (let k = 0; k < to; k += 1) {
    const start = Math.floor((k * from) / to);
    const end = Math.ceil(((k + 1) * from) / to);
    for (let channel = start; channel < end; channel += 1) matrix[channel][k] = 1 / (end - start);
  }
  return matrix;
}

/**
 * Channel-wise interpolation (CWI, Dong and Yang 2019, §3.2): resizes the channel axis of an NHWC
 * tensor `[batch, height, width, C]` to `channels` by adaptive average pooling — output channel k
 * is the mean of input channels `[floor(kC/C'), ceil((k+1)C/C'))` — growing or shrinking, so that
 * feature maps of different candidate widths can be summed. Identity (the same values) when
 * `C === channels`. Differentiable; leaks no tensors.
 *
 * @returns `[batch, height, width, channels]`.
 */
export function channelWiseInterpolate(x: tf.Tensor4D, channels: number): tf.Tensor4D {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new InvalidArgumentError('channels', `channelWiseInterpolate needs a positive integer channel count; got ${channels}.`);
  }
  if (x.rank !== 4) throw new InvalidArgumentError('x', `channelWiseInterpolate needs an NHWC tensor of rank 4; got shape [${x.shape.join(', ')}].`);
  const [batch, height, width, from] = x.shape;
  if (from === channels) return x.clone();
  return tf.tidy(() => {
    const matrix = tf.tensor2d(channelPoolingMatrix(from, channels));
    const flat = tf.reshape(x, [batch * height * width, from]);
    return tf.reshape(tf.matMul(flat, matrix), [batch, height, width, channels]) as tf.Tensor4D;
  });
}

/**
 * Aligns an NHWC tensor to `channels` by zero-padding or truncating the channel axis (the ablation
 * of TAS without CWI).
 */
export function channelZeroPad(x: tf.Tensor4D, channels: number): tf.Tensor4D {
  const from = x.shape[3];
  if (from === channels) return x.clone();
  return tf.tidy(() => (from < channels ? tf.pad(x, [[0, 0], [0, 0], [0, 0], [0, channels - from]]) : tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, channels])) as tf.Tensor4D);
}
