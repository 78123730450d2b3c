import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { svd } from './linear-algebra';
import { reconstructTucker2, truncatedSvd, tucker2, tucker2Decompose } from './tucker';

function randomValues(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.div(tf.norm(tf.sub(a, b)), tf.norm(b)).dataSync()[0]);
}

describe('tucker2', () => {
  it('reconstructs the kernel exactly at full rank, with the factor shapes of the three convolutions', () => {
    const before = tf.memory().numTensors;
    const kernel = tf.tensor4d(randomValues(3 * 3 * 4 * 6, 1), [3, 3, 4, 6]);
    for (const method of ['hosvd', 'hooi'] as const) {
      const factors = tucker2(kernel, { in: 4, out: 6 }, { method });
      expect(factors.first.shape).toEqual([1, 1, 4, 4]);
      expect(factors.core.shape).toEqual([3, 3, 4, 6]);
      expect(factors.last.shape).toEqual([1, 1, 6, 6]);
      const rebuilt = reconstructTucker2(factors);
      expect(relativeError(rebuilt, kernel)).toBeLessThan(1e-6);
      tf.dispose([factors.first, factors.core, factors.last, rebuilt]);
    }
    kernel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('recovers a kernel of exact Tucker rank (2, 3) at that rank', () => {
    const before = tf.memory().numTensors;
    const kernel = tf.tidy(() => {
      const core = tf.tensor4d(randomValues(5 * 5 * 2 * 3, 7), [5, 5, 2, 3]);
      const first = tf.tensor4d(randomValues(8 * 2, 8), [1, 1, 8, 2]);
      const last = tf.tensor4d(randomValues(3 * 10, 9), [1, 1, 3, 10]);
      return reconstructTucker2({ first, core, last });
    });
    const factors = tucker2(kernel, { in: 2, out: 3 }, { method: 'hosvd' });
    const rebuilt = reconstructTucker2(factors);
    expect(relativeError(rebuilt, kernel)).toBeLessThan(1e-5);
    // The factors are orthonormal: U_inᵀ U_in = I.
    const gram = tf.tidy(() => {
      const u = tf.reshape(factors.first, [8, 2]);
      return tf.matMul(u, u, true, false);
    });
    expect(Array.from(gram.dataSync()).map((value) => Math.abs(Number(value.toFixed(5))))).toEqual([1, 0, 0, 1]);
    tf.dispose([kernel, factors.first, factors.core, factors.last, rebuilt, gram]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('on a 1×1 kernel has the truncated-SVD error (Eckart–Young), computed independently', () => {
    // For a 1×1 kernel, Tucker-2 at ranks (r, r) is the best rank-r approximation of the [in, out] matrix.
    const values = randomValues(7 * 9, 5);
    const { s } = svd({ rows: 7, columns: 9, values: Float64Array.from(values) });
    const total = s.reduce((sum, value) => sum + value * value, 0);
    const expected = Math.sqrt(s.subarray(3).reduce((sum, value) => sum + value * value, 0) / total);
    for (const method of ['hosvd', 'hooi'] as const) {
      const result = tucker2Decompose({ shape: [1, 1, 7, 9], values }, { in: 3, out: 3 }, { method });
      expect(result.relativeError).toBeCloseTo(expected, 6);
    }
  });

  it('refines HOSVD with HOOI: the error never grows, and the reported error is the reconstruction error', () => {
    const before = tf.memory().numTensors;
    const kernel = tf.tensor4d(randomValues(5 * 5 * 6 * 16, 11), [5, 5, 6, 16]);
    for (const ranks of [
      { in: 2, out: 4 },
      { in: 3, out: 8 },
      { in: 5, out: 5 },
    ]) {
      const hosvd = tucker2Decompose({ shape: kernel.shape, values: kernel.dataSync() }, ranks, { method: 'hosvd' });
      const hooi = tucker2Decompose({ shape: kernel.shape, values: kernel.dataSync() }, ranks, { method: 'hooi' });
      expect(hooi.relativeError).toBeLessThanOrEqual(hosvd.relativeError + 1e-12);
      expect(hooi.iterations).toBeGreaterThan(0);
      const factors = tucker2(kernel, ranks);
      const rebuilt = reconstructTucker2(factors);
      expect(relativeError(rebuilt, kernel)).toBeCloseTo(hooi.relativeError, 5);
      tf.dispose([factors.first, factors.core, factors.last, rebuilt]);
    }
    kernel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses ranks larger than the layer\'s channels, or below 1', () => {
    const kernel = tf.zeros([3, 3, 4, 6]) as tf.Tensor4D;
    expect(() => tucker2(kernel, { in: 5, out: 2 })).toThrow(/rank in = 5 is larger than the layer's input channels \(4\)/);
    expect(() => tucker2(kernel, { in: 2, out: 7 })).toThrow(/rank out = 7 is larger than the layer's output channels \(6\)/);
    expect(() => tucker2(kernel, { in: 0, out: 2 })).toThrow(/positive integer/);
    const flat = tf.zeros([4, 6]);
    expect(() => tucker2(flat as unknown as tf.Tensor4D, { in: 1, out: 1 })).toThrow(/\[kh, kw, in, out\]/);
    tf.dispose([kernel, flat]);
  });
});

describe('truncatedSvd', () => {
  it('reconstructs at full rank and has the Eckart–Young error below it, leaking nothing', () => {
    const before = tf.memory().numTensors;
    const kernel = tf.tensor2d(randomValues(10 * 6, 3), [10, 6]);
    const full = truncatedSvd(kernel, 6);
    const rebuilt = tf.matMul(full.first, full.last);
    expect(relativeError(rebuilt, kernel)).toBeLessThan(1e-6);
    const low = truncatedSvd(kernel, 2);
    expect(low.first.shape).toEqual([10, 2]);
    expect(low.last.shape).toEqual([2, 6]);
    const approximation = tf.matMul(low.first, low.last);
    const s = low.singularValues;
    const total = s.reduce((sum, value) => sum + value * value, 0);
    expect(relativeError(approximation, kernel)).toBeCloseTo(Math.sqrt((total - s[0] ** 2 - s[1] ** 2) / total), 5);
    expect(() => truncatedSvd(kernel, 7)).toThrow(/between 1 and min\(in, out\) = 6/);
    tf.dispose([kernel, full.first, full.last, rebuilt, low.first, low.last, approximation]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
