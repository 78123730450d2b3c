import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from './backend-comparison';

/** Which resize, at which size and pixel convention. */
export interface ResizeSettings {
  method: 'bilinear' | 'nearest';
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/**
 * The exact gradient of a resize for images of `imagesShape` (`[batch, height, width, channels]`) and output
 * gradient `dy`, as the adjoint of the cpu backend's forward kernel (tfjs-backend-cpu 4.22.0's own resize
 * gradients are wrong for batches, non-square images and `halfPixelCenters`). Resizing every one-hot image gives
 * the matrix from input to output pixels; its transpose maps `dy` back, per sample and channel, in double precision.
 */
export async function resizeAdjoint(imagesShape: number[], dy: HostTensor, settings: ResizeSettings): Promise<Float32Array> {
  const [batch, height, width, channels] = imagesShape;
  const [newHeight, newWidth] = settings.size;
  const pixels = height * width;
  const outputPixels = newHeight * newWidth;
  await tf.setBackend('cpu');
  const matrix = tf.tidy(() => {
    const units = tf.reshape(tf.eye(pixels), [pixels, height, width, 1]) as tf.Tensor4D;
    const { size, alignCorners, halfPixelCenters } = settings;
    return settings.method === 'bilinear'
      ? tf.image.resizeBilinear(units, size, alignCorners, halfPixelCenters)
      : tf.image.resizeNearestNeighbor(units, size, alignCorners, halfPixelCenters);
  });
  const weights = await matrix.data();
  matrix.dispose();
  const gradient = new Float32Array(batch * pixels * channels);
  for (let sample = 0; sample < batch; sample += 1) {
    for (let pixel = 0; pixel < pixels; pixel += 1) {
      for (let channel = 0; channel < channels; channel += 1) {
        let sum = 0;
        for (let outputPixel = 0; outputPixel < outputPixels; outputPixel += 1) {
          sum += weights[pixel * outputPixels + outputPixel] * dy.values[(sample * outputPixels + outputPixel) * channels + channel];
        }
        gradient[(sample * pixels + pixel) * channels + channel] = sum;
      }
    }
  }
  return gradient;
}
