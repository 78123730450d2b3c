import type { ArrayDataset } from './array-dataset';

/** Per-channel mean and standard deviation of a data set's pixels. */
export interface ChannelStats {
  /** Mean of each channel, in pixel units ([0, 1] for the loaders of this package). */
  mean: number[];
  /** Population standard deviation of each channel, same units. */
  std: number[];
}

/**
 * Mean and (population) standard deviation of every channel over all pixels of all images, the
 * usual constants for {@link normalize}. Compute them on the train split only, so no test
 * information leaks into training. Accumulates in double precision.
 */
export function computeChannelStats(dataset: Pick<ArrayDataset, 'images' | 'shape'>): ChannelStats {
  const channels = dataset.shape[2];
  const sums = new Float64Array(channels);
  const pixelsPerChannel = dataset.images.length / channels;
  for (let index = 0; index < dataset.images.length; index += 1) sums[index % channels] += dataset.images[index];
  const mean = Array.from(sums, (sum) => (pixelsPerChannel === 0 ? 0 : sum / pixelsPerChannel));
  // A second pass over the deviations avoids the cancellation of E[x²] - E[x]².
  const squares = new Float64Array(channels);
  for (let index = 0; index < dataset.images.length; index += 1) {
    const deviation = dataset.images[index] - mean[index % channels];
    squares[index % channels] += deviation * deviation;
  }
  const std = Array.from(squares, (square) => (pixelsPerChannel === 0 ? 0 : Math.sqrt(square / pixelsPerChannel)));
  return { mean, std };
}
