import { InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { randomMatrix } from './__fixtures__/reference';
import { recallAtK } from './recall-at-k';

function bruteForce(rows: number[][], labels: number[], ks: number[]): number[] {
  const ranked = rows.map((row, query) =>
    rows
      .map((other, index) => ({ index, distance: row.reduce((sum, value, axis) => sum + (value - other[axis]) ** 2, 0) }))
      .filter(({ index }) => index !== query)
      .sort((a, b) => a.distance - b.distance || a.index - b.index)
      .map(({ index }) => labels[index]),
  );
  return ks.map((k) => ranked.filter((neighbours, query) => neighbours.slice(0, k).includes(labels[query])).length / rows.length);
}

describe('recallAtK', () => {
  it('matches a hand-computed case with the query excluded', () => {
    // 1-D points: 0 (a), 0.1 (b), 1 (a), 5 (b).
    const embeddings = Float32Array.from([0, 0.1, 1, 5]);
    const labels = Int32Array.from([0, 1, 0, 1]);
    // Nearest of 0 → 0.1 (b, miss), then 1 (a, hit). Of 0.1 → 0 (miss), 1 (miss), 5 (hit).
    // Of 1 → 0.1 (miss), 0 (hit). Of 5 → 1 (miss), 0.1 (hit).
    expect(recallAtK(embeddings, labels, 1, [1, 2, 3])).toEqual([0, 0.75, 1]);
  });

  it('matches brute force on random data, K beyond the set size included', () => {
    const rows = randomMatrix(40, 3, 51);
    const labels = Array.from({ length: 40 }, (_, index) => index % 4);
    const ks = [1, 2, 4, 8, 100];
    expect(recallAtK(Float32Array.from(rows.flat()), Int32Array.from(labels), 3, ks)).toEqual(bruteForce(rows, labels, ks));
  });

  it('handles 5,000 × 16-d quickly', () => {
    const count = 5000;
    const dimension = 16;
    const embeddings = Float32Array.from(randomMatrix(count, dimension, 52).flat());
    const labels = Int32Array.from({ length: count }, (_, index) => index % 10);
    // Class-dependent offset so that retrieval is meaningful.
    for (let index = 0; index < count; index += 1) embeddings[index * dimension + (labels[index] % dimension)] += 3;
    const started = performance.now();
    const recalls = recallAtK(embeddings, labels, dimension, [1, 2, 4, 8]);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(recalls[0]).toBeGreaterThan(0.9);
    expect([...recalls].sort((a, b) => a - b)).toEqual(recalls);
  });

  it('rejects inconsistent sizes and bad K', () => {
    const attempt = (call: () => unknown): unknown => {
      try {
        call();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(InvalidArgumentError.isInstance(attempt(() => recallAtK(new Float32Array(5), new Int32Array(2), 2, [1])))).toBe(true);
    expect(InvalidArgumentError.isInstance(attempt(() => recallAtK(new Float32Array(4), new Int32Array(2), 2, [0])))).toBe(true);
    expect(recallAtK(new Float32Array(2), Int32Array.from([3]), 2, [1])).toEqual([0]);
  });
});
