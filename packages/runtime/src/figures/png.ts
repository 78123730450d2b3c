import { deflateSync } from 'node:zlib';
import { InvalidArgumentError } from '../errors';

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let value = 0; value < 256; value += 1) {
    let crc = value;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    table[value] = crc >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** An 8-bit image: `width · height · channels` bytes, row-major; 1 channel grey, 3 RGB, 4 RGBA. */
export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

/** Encodes an 8-bit image as PNG (no dependencies: zlib from Node and a CRC table); returns the file's bytes. */
export function encodePng(image: RasterImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * channels) {
    throw new InvalidArgumentError('image', `encodePng needs width · height · channels = ${width} · ${height} · ${channels} bytes, got ${data.length}.`);
  }
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let row = 0; row < height; row += 1) raw.set(data.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** `count · h · w · c` values, NHWC, e.g. a batch of generated or adversarial images. */
  images: ArrayLike<number>;
  count: number;
  /** `[height, width, channels]` of one image (1 or 3 channels). */
  shape: readonly [number, number, number];
  /** Images per row (default `ceil(sqrt(count))`). */
  columns?: number;
  /** Pixels per image pixel (default 2). */
  scale?: number;
  /** Grey pixels between images (default 2). */
  padding?: number;
  /**
   * Value range mapped to 0…255: a fixed `[min, max]` (e.g. `[0, 1]` for pixels), or `'image'` to
   * stretch each image to its own min and max (for standardised or generated samples). Default `'image'`.
   */
  range?: readonly [number, number] | 'image';
  /** A border colour per image (RGB), e.g. green for a correct prediction and red for a wrong one. */
  borders?: ReadonlyArray<readonly [number, number, number] | undefined>;
}

/**
 * Tiles images into one raster (for {@link encodePng}): a grid of generated samples per class, clean
 * beside adversarial examples. Three-channel output when images have 3 channels or borders are given.
 */
export function imageGrid(options: ImageGridOptions): RasterImage {
  const [height, width, channels] = options.shape;
  if (channels !== 1 && channels !== 3) throw new InvalidArgumentError('shape', `imageGrid draws 1- or 3-channel images; got ${channels} channels.`);
  const size = height * width * channels;
  if (options.images.length < options.count * size) {
    throw new InvalidArgumentError('images', `imageGrid needs ${options.count} images of [${options.shape.join(', ')}] (${options.count * size} values), got ${options.images.length}.`);
  }
  const columns = options.columns ?? Math.max(1, Math.ceil(Math.sqrt(options.count)));
  const rows = Math.max(1, Math.ceil(options.count / columns));
  const scale = options.scale ?? 2;
  const padding = options.padding ?? 2;
  const border = options.borders ? 1 : 0;
  const cellWidth = width * scale + 2 * border;
  const cellHeight = height * scale + 2 * border;
  const outWidth = columns * cellWidth + (columns + 1) * padding;
  const outHeight = rows * cellHeight + (rows + 1) * padding;
  const outChannels = channels === 3 || options.borders ? 3 : 1;
  const data = new Uint8Array(outWidth * outHeight * outChannels).fill(128);
  const put = (x: number, y: number, rgb: readonly number[]) => {
    const offset = (y * outWidth + x) * outChannels;
    for (let channel = 0; channel < outChannels; channel += 1) data[offset + channel] = rgb[outChannels === 1 ? 0 : channel];
  };
  for (let image = 0; image < options.count; image += 1) {
    let [low, high] = options.range === undefined || options.range === 'image' ? [Infinity, -Infinity] : options.range;
    if (options.range === undefined || options.range === 'image') {
      for (let index = 0; index < size; index += 1) {
        const value = options.images[image * size + index];
        if (value < low) low = value;
        if (value > high) high = value;
      }
    }
    const span = high > low ? high - low : 1;
    const left = padding + (image % columns) * (cellWidth + padding);
    const top = padding + Math.floor(image / columns) * (cellHeight + padding);
    const color = options.borders?.[image];
    if (color) {
      for (let x = 0; x < cellWidth; x += 1) {
        put(left + x, top, color);
        put(left + x, top + cellHeight - 1, color);
      }
      for (let y = 0; y < cellHeight; y += 1) {
        put(left, top + y, color);
        put(left + cellWidth - 1, top + y, color);
      }
    }
    for (let y = 0; y < height * scale; y += 1) {
      for (let x = 0; x < width * scale; x += 1) {
        const pixel = (Math.floor(y / scale) * width + Math.floor(x / scale)) * channels;
        const values = Array.from({ length: channels }, (_, channel) => {
          const value = (options.images[image * size + pixel + channel] - low) / span;
          return Math.round(255 * Math.max(0, Math.min(1, value)));
        });
        put(left + border + x, top + border + y, channels === 1 ? [values[0], values[0], values[0]] : values);
      }
    }
  }
  return { width: outWidth, height: outHeight, channels: outChannels as 1 | 3, data };
}
