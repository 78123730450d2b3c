import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { evbmf, evbmfRank, minimizeBounded } from './evbmf';

interface ReferenceCase {
  name: string;
  rows: number;
  columns: number;
  values: number[];
  rank: number;
  sigma2: number;
  threshold: number;
}

// Computed by __fixtures__/evbmf_reference.py: the reference's EVBMF with numpy and scipy.
const cases: ReferenceCase[] = JSON.parse(readFileSync(path.join(import.meta.dirname, '__fixtures__', 'evbmf.json'), 'utf8'));

describe('evbmf', () => {
  for (const reference of cases) {
    it(`matches the reference implementation on "${reference.name}" (${reference.rows}×${reference.columns})`, () => {
      const result = evbmf({ rows: reference.rows, columns: reference.columns, values: Float64Array.from(reference.values) });
      expect(result.rank).toBe(reference.rank);
      expect(result.sigma2).toBeCloseTo(reference.sigma2, 6);
      expect(result.threshold / reference.threshold).toBeCloseTo(1, 5);
    });
  }

  it('returns the raw rank as a number, 0 for pure noise, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const noise = cases.find((reference) => reference.name === 'noise-only')!;
    const lowRank = cases.find((reference) => reference.name === 'low-rank-4')!;
    const noiseTensor = tf.tensor2d(noise.values, [noise.rows, noise.columns]);
    const lowRankTensor = tf.tensor2d(lowRank.values, [lowRank.rows, lowRank.columns]);
    expect(evbmfRank(noiseTensor)).toBe(0);
    expect(evbmfRank(lowRankTensor)).toBe(4);
    // Transposing changes nothing (the method works on L ≤ M).
    const transposed = tf.transpose(lowRankTensor) as tf.Tensor2D;
    expect(evbmfRank(transposed)).toBe(4);
    tf.dispose([noiseTensor, lowRankTensor, transposed]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('minimizeBounded', () => {
  it('finds the minimum of a parabola and stays within the bounds', () => {
    expect(minimizeBounded((x) => (x - 0.3) ** 2, 0, 1)).toBeCloseTo(0.3, 4);
    expect(minimizeBounded((x) => x, 2, 5)).toBeLessThan(2 + 1e-4);
    expect(minimizeBounded((x) => Math.cos(x), 2, 5)).toBeCloseTo(Math.PI, 4);
  });
});
