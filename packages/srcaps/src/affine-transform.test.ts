import { createRng, InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { expectClose } from './__fixtures__/reference';
import { affineResample, drawAffine, randomAffineImages } from './affine-transform';

// A 3×3 single-channel image with distinct values.
const image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const shape = [3, 3, 1] as const;

describe('affineResample', () => {
  it('leaves the image unchanged at the identity', () => {
    expectClose(affineResample(image, shape, { angle: 0, scale: 1, shiftX: 0, shiftY: 0 }), image, 1e-6);
  });

  it('shifts by whole pixels, filling with black', () => {
    // content moves one pixel to the right: column 0 becomes fill
    expectClose(affineResample(image, shape, { angle: 0, scale: 1, shiftX: 1, shiftY: 0 }), [0, 1, 2, 0, 4, 5, 0, 7, 8], 1e-6);
    expectClose(affineResample(image, shape, { angle: 0, scale: 1, shiftX: 0, shiftY: -1 }), [4, 5, 6, 7, 8, 9, 0, 0, 0], 1e-6);
  });

  it('rotates by 90° about the centre (image y axis points down)', () => {
    // Output (x, y) reads the input at the inverse rotation: a quarter turn maps rows to columns.
    const rotated = affineResample(image, shape, { angle: Math.PI / 2, scale: 1, shiftX: 0, shiftY: 0 });
    // output (x, y) reads input (y, 2 − x): the first row becomes the last column (clockwise on screen)
    expectClose(rotated, [7, 4, 1, 8, 5, 2, 9, 6, 3], 1e-5);
  });

  it('interpolates bilinearly at half-pixel shifts and scales about the centre', () => {
    const half = affineResample(image, shape, { angle: 0, scale: 1, shiftX: 0.5, shiftY: 0 });
    expectClose(half, [0.5, 1.5, 2.5, 2, 4.5, 5.5, 3.5, 7.5, 8.5], 1e-5);
    const zoomed = affineResample(image, shape, { angle: 0, scale: 2, shiftX: 0, shiftY: 0 });
    // the centre pixel stays; corners read the input half-way towards the centre
    expect(zoomed[4]).toBeCloseTo(5, 5);
    expect(zoomed[0]).toBeCloseTo(3, 5);
  });

  it('rejects a size mismatch and a non-positive scale', () => {
    expect(() => affineResample([1, 2], shape, { angle: 0, scale: 1, shiftX: 0, shiftY: 0 })).toThrow(/expected 3·3·1 values/);
    let caught: unknown;
    try {
      affineResample(image, shape, { angle: 0, scale: 0, shiftX: 0, shiftY: 0 });
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
  });
});

describe('randomAffineImages', () => {
  it('draws within the ranges and gives the same images for the same generator state', () => {
    const ranges = { rotation: 15, scale: [0.9, 1.1] as const, translation: 2 };
    const rng = createRng(3);
    for (let index = 0; index < 50; index += 1) {
      const drawn = drawAffine(rng, ranges);
      expect(Math.abs(drawn.angle)).toBeLessThanOrEqual((15 * Math.PI) / 180);
      expect(drawn.scale).toBeGreaterThanOrEqual(0.9);
      expect(drawn.scale).toBeLessThanOrEqual(1.1);
      expect(Math.abs(drawn.shiftX)).toBeLessThanOrEqual(2);
    }
    const images = Float32Array.from([...image, ...image.map((value) => 10 - value)]);
    const first = randomAffineImages(images, 2, shape, ranges, createRng(8));
    const second = randomAffineImages(images, 2, shape, ranges, createRng(8));
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(Array.from(first)).not.toEqual(Array.from(images));
    expect(() => randomAffineImages(images, 2, shape, { ...ranges, scale: [1.2, 1.1] }, createRng(1))).toThrow(/0 < low ≤ high/);
  });
});
