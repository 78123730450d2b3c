import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';

/** Pairwise-difference tensors are built this many values at a time at most (memory of one chunk). */
const CHUNK_VALUES = 1 << 22;

/**
 * KegNet's diversity loss (Yoo et al. 2019, §3.3, eq. 5; the reference's `DiversityLoss` with the
 * L1 sample metric): `exp(−mean_{i,j} [dz_ij · dx_ij])` over all `|B|²` ordered pairs (i = j
 * included), with `dz_ij = mean_k (z_ik − z_jk)²` the mean squared distance of the noise vectors and
 * `dx_ij = mean_p |x_ip − x_jp|` the mean absolute distance of the flattened samples. Minimised by
 * spreading samples apart in proportion to how far apart their noise vectors are.
 *
 * The pairwise sample differences are built in row chunks, so memory stays bounded for a batch of
 * 256 images of 32×32.
 *
 * @param noises `[batch, noiseUnits]`.
 * @param samples `[batch, ...]` (images or vectors).
 * @returns A scalar in (0, 1], owned by the caller.
 */
export function diversityLoss(noises: tf.Tensor2D, samples: tf.Tensor): tf.Scalar {
  if (noises.rank !== 2) throw new InvalidArgumentError('noises', `diversityLoss needs noises [batch, units]; got shape [${noises.shape.join(', ')}].`);
  const batch = noises.shape[0];
  if (samples.shape[0] !== batch) {
    throw new InvalidArgumentError('samples', `diversityLoss needs one sample per noise vector: ${batch} noise vectors, ${samples.shape[0]} samples.`);
  }
  return tf.tidy(() => {
    const flat = tf.reshape(samples, [batch, -1]);
    const size = batch === 0 ? 0 : flat.size / batch;
    const noiseDistance = tf.mean(tf.square(tf.sub(tf.expandDims(noises, 1), tf.expandDims(noises, 0))), 2);
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, batch * size)));
    const chunks: tf.Tensor[] = [];
    for (let start = 0; start < batch; start += rowsPerChunk) {
      const rows = Math.min(rowsPerChunk, batch - start);
      const part = tf.slice(flat, [start, 0], [rows, size]);
      chunks.push(tf.mean(tf.abs(tf.sub(tf.expandDims(part, 1), tf.expandDims(flat, 0))), 2));
    }
    const sampleDistance = chunks.length === 1 ? chunks[0] : tf.concat(chunks, 0);
    return tf.exp(tf.neg(tf.mean(tf.mul(noiseDistance, sampleDistance)))) as tf.Scalar;
  });
}
