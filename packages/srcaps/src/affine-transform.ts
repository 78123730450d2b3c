import { InvalidArgumentError, type Rng } from '@core/runtime';

/** Ranges of a random affine transformation (affNIST-style test images). */
export interface AffineRanges {
  /** Largest rotation in degrees: angles are uniform in `[−rotation, rotation]`. */
  rotation: number;
  /** Scale factors are uniform in `[scale[0], scale[1]]` (1 keeps the size). */
  scale: readonly [number, number];
  /** Largest shift in pixels along each axis: uniform in `[−translation, translation]`. */
  translation: number;
}

/** One drawn transformation: rotation (radians) and scale about the image centre, then a shift. */
export interface AffineParameters {
  angle: number;
  scale: number;
  shiftX: number;
  shiftY: number;
}

/** Draws one {@link AffineParameters} from `rng` (4 draws, in the order angle, scale, x, y). */
export function drawAffine(rng: Rng, ranges: AffineRanges): AffineParameters {
  const uniform = (low: number, high: number) => low + (high - low) * rng.next();
  return {
    angle: (uniform(-ranges.rotation, ranges.rotation) * Math.PI) / 180,
    scale: uniform(ranges.scale[0], ranges.scale[1]),
    shiftX: uniform(-ranges.translation, ranges.translation),
    shiftY: uniform(-ranges.translation, ranges.translation),
  };
}

/**
 * Resamples one NHWC image `[height, width, channels]` under an affine map about its centre
 * (rotate by `angle`, scale by `scale`, then shift), bilinearly, filling outside pixels with `fill`.
 * Each output pixel `p` reads the input at `A⁻¹(p − c − t) + c`.
 */
export function affineResample(image: ArrayLike<number>, shape: readonly [number, number, number], parameters: AffineParameters, fill = 0): Float32Array {
  const [height, width, channels] = shape;
  if (image.length !== height * width * channels) {
    throw new InvalidArgumentError('image', `affineResample: expected ${height}·${width}·${channels} values, got ${image.length}.`);
  }
  if (!(parameters.scale > 0)) throw new InvalidArgumentError('scale', `affineResample: scale must be positive, got ${parameters.scale}.`);
  const output = new Float32Array(image.length);
  const centreY = (height - 1) / 2;
  const centreX = (width - 1) / 2;
  const cos = Math.cos(parameters.angle) / parameters.scale;
  const sin = Math.sin(parameters.angle) / parameters.scale;
  const read = (y: number, x: number, channel: number) => (y < 0 || y >= height || x < 0 || x >= width ? fill : image[(y * width + x) * channels + channel]);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const dy = y - centreY - parameters.shiftY;
      const dx = x - centreX - parameters.shiftX;
      // inverse rotation and scale
      const sourceX = cos * dx + sin * dy + centreX;
      const sourceY = -sin * dx + cos * dy + centreY;
      const x0 = Math.floor(sourceX);
      const y0 = Math.floor(sourceY);
      const fx = sourceX - x0;
      const fy = sourceY - y0;
      for (let channel = 0; channel < channels; channel += 1) {
        const top = read(y0, x0, channel) * (1 - fx) + read(y0, x0 + 1, channel) * fx;
        const bottom = read(y0 + 1, x0, channel) * (1 - fx) + read(y0 + 1, x0 + 1, channel) * fx;
        output[(y * width + x) * channels + channel] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return output;
}

/**
 * Applies an independent random affine transformation, drawn from `rng`, to each of `count` NHWC
 * images (pixel values, before normalisation; outside pixels become `fill`, black by default).
 * The same generator state gives the same images.
 */
export function randomAffineImages(images: ArrayLike<number>, count: number, shape: readonly [number, number, number], ranges: AffineRanges, rng: Rng, fill = 0): Float32Array {
  const size = shape[0] * shape[1] * shape[2];
  if (images.length < count * size) throw new InvalidArgumentError('images', `randomAffineImages: ${count} images of [${shape.join(', ')}] need ${count * size} values, got ${images.length}.`);
  if (ranges.scale[0] <= 0 || ranges.scale[0] > ranges.scale[1]) throw new InvalidArgumentError('scale', `randomAffineImages: scale must be [low, high] with 0 < low ≤ high, got [${ranges.scale.join(', ')}].`);
  const output = new Float32Array(count * size);
  const view = Array.prototype.slice;
  for (let index = 0; index < count; index += 1) {
    const image = images instanceof Float32Array ? images.subarray(index * size, (index + 1) * size) : (view.call(images, index * size, (index + 1) * size) as number[]);
    output.set(affineResample(image, shape, drawAffine(rng, ranges), fill), index * size);
  }
  return output;
}
