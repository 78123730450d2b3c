import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxRelativeError, randomTensor, runKernelOn } from './__fixtures__/backend-comparison';
import type { ResizeSettings } from './__fixtures__/resize-adjoint';
import { resizeAdjoint } from './__fixtures__/resize-adjoint';
import { activateWasmTraining } from './activate-wasm-training';

type Case = { name: string; imagesShape: number[] } & Omit<ResizeSettings, 'method'>;

const conventions = [
  { alignCorners: false, halfPixelCenters: false },
  { alignCorners: true, halfPixelCenters: false },
  { alignCorners: false, halfPixelCenters: true },
];

const geometries: { name: string; imagesShape: number[]; size: [number, number] }[] = [
  { name: 'upsampling ×2 (UpSampling2D)', imagesShape: [2, 3, 4, 2], size: [6, 8] },
  { name: 'upsampling by a non-integer factor', imagesShape: [2, 3, 4, 2], size: [5, 7] },
  { name: 'downsampling', imagesShape: [1, 5, 6, 3], size: [2, 4] },
  { name: 'one axis up, one down', imagesShape: [2, 5, 3, 1], size: [2, 7] },
  { name: 'a single output row and column', imagesShape: [1, 3, 4, 2], size: [1, 1] },
  { name: 'a single input pixel', imagesShape: [2, 1, 1, 2], size: [3, 2] },
  { name: 'the same size', imagesShape: [1, 4, 3, 2], size: [4, 3] },
];

const cases: Case[] = geometries.flatMap((geometry) =>
  conventions.map((convention) => ({
    ...geometry,
    ...convention,
    name: `${geometry.name}${convention.alignCorners ? ', alignCorners' : ''}${convention.halfPixelCenters ? ', halfPixelCenters' : ''}`,
  })),
);

const kernels = [
  {
    kernelName: 'ResizeBilinearGrad',
    method: 'bilinear' as const,
    resize: (images: tf.Tensor4D, size: [number, number]) => tf.image.resizeBilinear(images, size, false, true),
  },
  {
    kernelName: 'ResizeNearestNeighborGrad',
    method: 'nearest' as const,
    resize: (images: tf.Tensor4D, size: [number, number]) => tf.image.resizeNearestNeighbor(images, size, false, true),
  },
];

describe.each(kernels)('$kernelName on wasm', ({ kernelName, method, resize }) => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(cases)('is the adjoint of the forward resize for $name', async ({ imagesShape, size, alignCorners, halfPixelCenters }) => {
    const images = randomTensor(imagesShape, 60);
    const dy = randomTensor([imagesShape[0], ...size, imagesShape[3]], 61);
    const expected = await resizeAdjoint(imagesShape, dy, { method, size, alignCorners, halfPixelCenters });
    const actual = await runKernelOn('wasm', kernelName, { images, dy }, { alignCorners, halfPixelCenters });
    expect([actual.shape, actual.dtype]).toEqual([imagesShape, 'float32']);
    // Sums of a few float32 products against a double-precision reference.
    expect(maxRelativeError(actual.values, expected)).toBeLessThan(1e-5);
    expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  });

  it('makes the gradient of the forward resize with halfPixelCenters exact', async () => {
    const images = randomTensor([2, 3, 4, 2], 62);
    const weights = randomTensor([2, 5, 7, 2], 63);
    await tf.setBackend('wasm');
    const tensorsBefore = tf.memory().numTensors;
    const gradient = tf.tidy(() => {
      const resized = (value: tf.Tensor) =>
        resize(value as tf.Tensor4D, [5, 7]).mul(tf.tensor(weights.values, weights.shape)).sum();
      return tf.grad(resized)(tf.tensor(images.values, images.shape)).dataSync();
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const expected = await resizeAdjoint(images.shape, weights, {
      method,
      size: [5, 7],
      alignCorners: false,
      halfPixelCenters: true,
    });
    expect(maxRelativeError(gradient, expected)).toBeLessThan(1e-5);
  });
});
