import { DataArgumentError } from './data-errors';
/**
 * `(pixel - mean[channel]) / std[channel]` for every value of channel-last `images` (any
 * number of images, `channels` values per pixel), as a new array; `images` is left unchanged.
 *
 * @throws RangeError when `mean` or `std` does not have `channels` entries, a `std` is not
 * positive, or the length of `images` is not a multiple of `channels`.
 */
export function normalize(images: Float32Array, channels: number, mean: readonly number[], std: readonly number[]): Float32Array {
  if (mean.length !== channels || std.length !== channels) {
    throw new DataArgumentError('mean', `mean and std need ${channels} entries each, got ${mean.length} and ${std.length}`);
  }
  if (images.length % channels !== 0) throw new DataArgumentError('images', `images has ${images.length} values, not a multiple of ${channels} channels`);
  for (const value of std) {
    if (!(value > 0)) throw new DataArgumentError('std', `std entries must be positive, got ${value}`);
  }
  const result = new Float32Array(images.length);
  if (channels === 1) {
    const [offset] = mean;
    const [scale] = std;
    for (let index = 0; index < images.length; index += 1) result[index] = (images[index] - offset) / scale;
    return result;
  }
  for (let index = 0; index < images.length; index += channels) {
    for (let channel = 0; channel < channels; channel += 1) {
      result[index + channel] = (images[index + channel] - mean[channel]) / std[channel];
    }
  }
  return result;
}
