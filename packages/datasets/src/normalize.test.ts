import { describe, expect, it } from 'vitest';
import { normalize } from './normalize';

describe('normalize', () => {
  it('subtracts the mean and divides by the std of each channel, into a new array', () => {
    const images = Float32Array.from([0, 1, 0.5, 0.5]);
    const result = normalize(images, 2, [0.5, 0], [0.5, 2]);
    expect(Array.from(result)).toEqual([-1, 0.5, 0, 0.25]);
    expect(Array.from(images)).toEqual([0, 1, 0.5, 0.5]);
  });

  it('handles one channel', () => {
    expect(Array.from(normalize(Float32Array.from([0.25, 0.75]), 1, [0.5], [0.25]))).toEqual([-1, 1]);
  });

  it('rejects mismatched constants and non-positive std', () => {
    expect(() => normalize(new Float32Array(4), 2, [0], [1, 1])).toThrow(RangeError);
    expect(() => normalize(new Float32Array(4), 2, [0, 0], [1, 0])).toThrow(RangeError);
    expect(() => normalize(new Float32Array(3), 2, [0, 0], [1, 1])).toThrow(RangeError);
  });
});
