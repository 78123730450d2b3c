import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { multiplyMatrices, svd, svdTensor, symmetricEigen, transposeMatrix, type Matrix } from './linear-algebra';

/** A deterministic pseudo-random matrix (no shared RNG state between tests). */
function randomMatrix(rows: number, columns: number, seed: number): Matrix {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  return { rows, columns, values: Float64Array.from({ length: rows * columns }, next) };
}

function maxAbsDifference(a: Matrix, b: Matrix): number {
  return a.values.reduce((max, value, index) => Math.max(max, Math.abs(value - b.values[index])), 0);
}

function diagonal(values: ArrayLike<number>): Matrix {
  const n = values.length;
  return { rows: n, columns: n, values: Float64Array.from({ length: n * n }, (_, index) => (index % (n + 1) === 0 ? values[index / (n + 1)] : 0)) };
}

function identity(n: number): Matrix {
  return diagonal(new Float64Array(n).fill(1));
}

describe('symmetricEigen', () => {
  it('matches the eigenvalues of a 2×2 matrix computed by hand', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 (vector (1, 1)/√2) and 1 (vector (1, −1)/√2).
    const { values, vectors } = symmetricEigen({ rows: 2, columns: 2, values: Float64Array.from([2, 1, 1, 2]) });
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors.values[0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors.values[0] * vectors.values[2]).toBeGreaterThan(0);
    expect(vectors.values[1] * vectors.values[3]).toBeLessThan(0);
  });

  it('reconstructs a random symmetric matrix with orthogonal eigenvectors, eigenvalues descending', () => {
    const a = randomMatrix(12, 7, 3);
    const gram = multiplyMatrices(a, transposeMatrix(a));
    const { values, vectors } = symmetricEigen(gram);
    const rebuilt = multiplyMatrices(multiplyMatrices(vectors, diagonal(values)), transposeMatrix(vectors));
    expect(maxAbsDifference(rebuilt, gram)).toBeLessThan(1e-12);
    expect(maxAbsDifference(multiplyMatrices(transposeMatrix(vectors), vectors), identity(12))).toBeLessThan(1e-12);
    for (let index = 1; index < values.length; index += 1) expect(values[index]).toBeLessThanOrEqual(values[index - 1]);
    // A rank-7 Gram matrix: the last five eigenvalues are zero.
    for (let index = 7; index < 12; index += 1) expect(Math.abs(values[index])).toBeLessThan(1e-12);
    // The trace is the sum of the eigenvalues.
    let trace = 0;
    for (let index = 0; index < 12; index += 1) trace += gram.values[index * 13];
    expect(values.reduce((sum, value) => sum + value, 0)).toBeCloseTo(trace, 10);
  });

  it('refuses non-square and non-symmetric matrices', () => {
    expect(() => symmetricEigen(randomMatrix(2, 3, 1))).toThrow(/square/);
    expect(() => symmetricEigen({ rows: 2, columns: 2, values: Float64Array.from([1, 2, 3, 4]) })).toThrow(/symmetric/);
  });
});

describe('svd', () => {
  it('gives the singular values of a matrix computed by hand', () => {
    // [[3, 0], [4, 5]]: AᵀA = [[25, 20], [20, 25]], eigenvalues 45 and 5, so σ = 3√5 and √5.
    const { s } = svd({ rows: 2, columns: 2, values: Float64Array.from([3, 0, 4, 5]) });
    expect(s[0]).toBeCloseTo(3 * Math.sqrt(5), 12);
    expect(s[1]).toBeCloseTo(Math.sqrt(5), 12);
  });

  for (const [rows, columns] of [
    [9, 5],
    [5, 9],
    [6, 6],
  ]) {
    it(`reconstructs a ${rows}×${columns} matrix with orthonormal factors`, () => {
      const a = randomMatrix(rows, columns, rows * 31 + columns);
      const { u, s, v } = svd(a);
      const k = Math.min(rows, columns);
      expect([u.rows, u.columns, v.rows, v.columns, s.length]).toEqual([rows, k, columns, k, k]);
      const rebuilt = multiplyMatrices(multiplyMatrices(u, diagonal(s)), transposeMatrix(v));
      expect(maxAbsDifference(rebuilt, a)).toBeLessThan(1e-12);
      expect(maxAbsDifference(multiplyMatrices(transposeMatrix(u), u), identity(k))).toBeLessThan(1e-12);
      expect(maxAbsDifference(multiplyMatrices(transposeMatrix(v), v), identity(k))).toBeLessThan(1e-12);
      // Squared singular values are the eigenvalues of AᵀA (an independent route).
      const eigen = symmetricEigen(multiplyMatrices(transposeMatrix(a), a)).values;
      for (let index = 0; index < k; index += 1) expect(s[index] ** 2).toBeCloseTo(eigen[index], 10);
    });
  }

  it('completes the left vectors of a rank-deficient matrix to an orthonormal set', () => {
    // Two equal columns: rank 1 of 2.
    const a: Matrix = { rows: 3, columns: 2, values: Float64Array.from([1, 1, 2, 2, 2, 2]) };
    const { u, s } = svd(a);
    expect(s[0]).toBeCloseTo(Math.sqrt(18), 12);
    expect(s[1]).toBeLessThan(1e-12);
    expect(maxAbsDifference(multiplyMatrices(transposeMatrix(u), u), identity(2))).toBeLessThan(1e-12);
  });

  it('has a tensor form that leaks nothing', () => {
    const before = tf.memory().numTensors;
    const matrix = tf.tensor2d([3, 0, 4, 5], [2, 2]);
    const { u, s, v } = svdTensor(matrix);
    const rebuilt = tf.tidy(() => tf.matMul(tf.mul(u, s), v, false, true));
    expect(Array.from(rebuilt.dataSync()).map((value) => Math.abs(Number(value.toFixed(4))))).toEqual([3, 0, 4, 5]);
    tf.dispose([matrix, u, s, v, rebuilt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
