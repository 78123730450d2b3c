import * as tf from '@tensorflow/tfjs';
import { createArrayDataset, loadFashionMnist, loadMnist, type ArrayDataset } from '@core/datasets';
import { type DatasetDefinition } from '@core/runtime';
import { z } from 'zod';

/** Options of the `kegnet:resized` dataset. */
export const resizedDataOptions = z.strictObject({
  /** The offline data set to load. */
  dataset: z.enum(['mnist', 'fashion-mnist']).default('mnist'),
  /** Side of the square images after bilinear resizing (the reference resizes MNIST and Fashion-MNIST 28 → 32). */
  size: z.number().int().min(8).max(128).default(32),
  /** Use at most this many images of each split (stratified prefix, before resizing). */
  limit: z.strictObject({ train: z.number().int().positive().optional(), test: z.number().int().positive().optional() }).optional(),
});

/** Bilinear resize of every image of a split to `size × size` (in chunks, so memory stays small). */
export function resizeDataset(dataset: ArrayDataset, size: number): ArrayDataset {
  const [height, width, channels] = dataset.shape;
  if (height === size && width === size) return dataset;
  const images = new Float32Array(dataset.count * size * size * channels);
  const chunk = 1000;
  for (let start = 0; start < dataset.count; start += chunk) {
    const count = Math.min(chunk, dataset.count - start);
    const resized = tf.tidy(() => {
      const batch = tf.tensor4d(dataset.images.subarray(start * height * width * channels, (start + count) * height * width * channels), [count, height, width, channels]);
      // align corners off, half-pixel centres: torchvision's Resize (PIL bilinear) up to antialiasing, which an upscale does not use.
      return tf.image.resizeBilinear(batch, [size, size], false, true);
    });
    images.set(resized.dataSync(), start * size * size * channels);
    resized.dispose();
  }
  return createArrayDataset({ name: dataset.name, images, labels: dataset.labels, shape: [size, size, channels], numClasses: dataset.numClasses, classNames: dataset.classNames });
}

/**
 * `kegnet:resized`: MNIST or Fashion-MNIST (offline, from `@core/datasets`) resized bilinearly to
 * 32×32, the input size of the reference's LeNet-5 and ResNet-14 teachers. Pixels stay in [0, 1];
 * the runner's `normalize` standardises them with the training split's statistics.
 */
export const resizedDataDefinition = {
  aliases: ['mnist32'],
  description: 'MNIST or Fashion-MNIST resized bilinearly to size×size (32 by default), as KegNet\'s teachers take them.',
  options: resizedDataOptions,
  async create(options) {
    const load = options.dataset === 'mnist' ? loadMnist : loadFashionMnist;
    const { train, test } = await load(options.limit ? { limit: options.limit } : {});
    return { train: resizeDataset(train, options.size), test: resizeDataset(test, options.size) };
  },
} satisfies DatasetDefinition<typeof resizedDataOptions>;
