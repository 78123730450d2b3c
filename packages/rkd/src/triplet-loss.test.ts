import * as tf from '@tensorflow/tfjs';
import { createRng, InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { expectNoLeak, randomMatrix } from './__fixtures__/reference';
import { tripletLoss } from './triplet-loss';
import { sampleTriplets } from './triplet-sampling';

/** Distances of points on a line. */
function lineDistances(points: number[]): number[] {
  return points.flatMap((a) => points.map((b) => Math.abs(a - b)));
}

describe('sampleTriplets', () => {
  it('semi-hard: the closest negative beyond the positive, else the farthest negative', () => {
    // Class 0 at 0 and 1; class 1 at 0.5, 1.5, 3.
    const points = [0, 1, 0.5, 1.5, 3];
    const labels = [0, 0, 1, 1, 1];
    const { anchors, positives, negatives } = sampleTriplets(lineDistances(points), labels, { sampling: 'semi-hard', dimension: 1 });
    const triplets = Array.from(anchors, (anchor, index) => [anchor, positives[index], negatives[index]]);
    expect(triplets).toEqual([
      [0, 1, 3], // d(a,p) = 1: negatives at 0.5, 1.5, 3 → closest beyond 1 is 1.5 (index 3)
      [1, 0, 4], // d(a,p) = 1: negatives at 0.5 (0.5), 1.5 (0.5), 3 (2) → index 4
      [2, 3, 0], // d = 1: negatives 0 (0.5), 1 (0.5) → none beyond, farthest, first of the tie: 0
      [2, 4, 0], // d = 2.5: none beyond → farthest (tie 0.5/0.5) → 0
      [3, 2, 0], // d = 1: negatives 0 (1.5), 1 (0.5) → 0
      [3, 4, 0], // d = 1.5: none beyond → farthest: 0
      [4, 2, 0], // d = 2.5: negatives 0 (3), 1 (2) → 0
      [4, 3, 1], // d = 1.5: both beyond → closest: 1
    ]);
  });

  it('all: every negative for every ordered positive pair; anchors without negatives are skipped', () => {
    const labels = [0, 0, 1, 2, 2];
    const { anchors } = sampleTriplets(new Array(25).fill(1), labels, { sampling: 'all', dimension: 2 });
    // Class 0: 2 ordered pairs × 3 negatives; class 2: 2 × 3; class 1 has no positive.
    expect(anchors.length).toBe(12);
    expect(sampleTriplets(new Array(9).fill(1), [4, 4, 4], { sampling: 'all', dimension: 2 }).anchors.length).toBe(0);
  });

  it('distance-weighted: follows the weight formula, never picks d ≥ 1.4, falls back to uniform', () => {
    const dimension = 8;
    // Anchor 0 with positive 1; negatives at distances 0.2 (clamped to 0.5), 1.0, 1.3, 1.5.
    const row = [0, 0.3, 0.2, 1.0, 1.3, 1.5];
    const batch = row.length;
    const distances = new Array(batch * batch).fill(1);
    row.forEach((value, index) => (distances[index] = value));
    const labels = [0, 0, 1, 2, 3, 4];
    const weight = (d: number): number => {
      const clamped = Math.max(d, 0.5);
      return Math.exp((2 - dimension) * Math.log(clamped) - ((dimension - 3) / 2) * Math.log(1 - 0.25 * clamped * clamped));
    };
    const expected = [2, 3, 4].map((index) => weight(row[index]));
    const total = expected.reduce((a, b) => a + b, 0);
    const rng = createRng(3);
    const counts = new Map<number, number>();
    const draws = 2000;
    for (let draw = 0; draw < draws; draw += 1) {
      const { anchors, negatives } = sampleTriplets(distances, labels, { sampling: 'distance-weighted', dimension, rng });
      expect(anchors[0]).toBe(0);
      counts.set(negatives[0], (counts.get(negatives[0]) ?? 0) + 1);
    }
    expect(counts.get(5)).toBeUndefined();
    [2, 3, 4].forEach((index, position) => {
      expect((counts.get(index) ?? 0) / draws).toBeCloseTo(expected[position] / total, 1);
    });
    // Every negative beyond 1.4: uniform over them.
    const far = new Array(16).fill(2);
    const uniform = new Map<number, number>();
    for (let draw = 0; draw < 1500; draw += 1) {
      const { negatives } = sampleTriplets(far, [0, 0, 1, 2], { sampling: 'distance-weighted', dimension, rng });
      uniform.set(negatives[0], (uniform.get(negatives[0]) ?? 0) + 1);
    }
    expect([...uniform.keys()].sort()).toEqual([2, 3]);
    expect((uniform.get(2) ?? 0) / 1500).toBeCloseTo(0.5, 1);
  });
});

describe('tripletLoss', () => {
  it('matches a float64 brute force over all triplets', async () => {
    const rows = randomMatrix(6, 3, 41);
    const labels = [0, 0, 1, 1, 2, 2];
    const distance = (a: number[], b: number[]): number => Math.sqrt(a.reduce((sum, value, index) => sum + (value - b[index]) ** 2, 0));
    let total = 0;
    let count = 0;
    for (let a = 0; a < 6; a += 1) {
      for (let p = 0; p < 6; p += 1) {
        if (p === a || labels[p] !== labels[a]) continue;
        for (let n = 0; n < 6; n += 1) {
          if (labels[n] === labels[a]) continue;
          total += Math.max(0, distance(rows[a], rows[p]) - distance(rows[a], rows[n]) + 0.5);
          count += 1;
        }
      }
    }
    await expectNoLeak(() => {
      const value = tf.tidy(() => tripletLoss(tf.tensor2d(rows), labels, { sampling: 'all', margin: 0.5 }).arraySync());
      expect(value).toBeCloseTo(total / count, 5);
    });
  });

  it('uses the semi-hard triplets and accepts labels as a tensor', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        // Same line as above, one triplet per positive pair; margin 0.2.
        const points = [0, 1, 0.5, 1.5, 3];
        const embeddings = tf.tensor2d(points.map((value) => [value]));
        const value = tripletLoss(embeddings, tf.tensor1d([0, 0, 1, 1, 1], 'int32'), { sampling: 'semi-hard' }).arraySync();
        const chosen = [[0, 1, 3], [1, 0, 4], [2, 3, 0], [2, 4, 0], [3, 2, 0], [3, 4, 0], [4, 2, 0], [4, 3, 1]];
        const expected =
          chosen.reduce((sum, [a, p, n]) => sum + Math.max(0, Math.abs(points[a] - points[p]) - Math.abs(points[a] - points[n]) + 0.2), 0) / chosen.length;
        expect(value).toBeCloseTo(expected, 5);
      }),
    );
  });

  it('is reproducible with a seed and has finite gradients with duplicate rows', async () => {
    const rows = randomMatrix(3, 4, 42);
    await expectNoLeak(() =>
      tf.tidy(() => {
        const embeddings = tf.tensor2d([rows[0], rows[0], rows[1], rows[1], rows[2], rows[2]]);
        const normalised = tf.div(embeddings, tf.norm(embeddings, 'euclidean', 1, true)) as tf.Tensor2D;
        const labels = [0, 0, 1, 1, 1, 2];
        const first = tripletLoss(normalised, labels, { sampling: 'distance-weighted', rng: 9 }).arraySync();
        expect(tripletLoss(normalised, labels, { sampling: 'distance-weighted', rng: 9 }).arraySync()).toBe(first);
        for (const sampling of ['semi-hard', 'distance-weighted', 'all'] as const) {
          const gradient = tf.grad((x: tf.Tensor) => tripletLoss(x as tf.Tensor2D, labels, { sampling, rng: createRng(1) }))(embeddings);
          expect(gradient.dataSync().every(Number.isFinite)).toBe(true);
        }
      }),
    );
  });

  it('is 0, and still differentiable, without valid triplets', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const gradient = tf.grad((x: tf.Tensor) => tripletLoss(x as tf.Tensor2D, [0, 1, 2]))(tf.ones([3, 2]));
        expect(gradient.dataSync().every((value) => value === 0)).toBe(true);
        expect(tripletLoss(tf.ones([1, 2]) as tf.Tensor2D, [0]).arraySync()).toBe(0);
      }),
    );
  });

  it('rejects bad arguments', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const errors: unknown[] = [];
        const attempt = (call: () => unknown): void => {
          try {
            call();
          } catch (error) {
            errors.push(error);
          }
        };
        attempt(() => tripletLoss(tf.zeros([3, 2]) as tf.Tensor2D, [0, 1]));
        attempt(() => tripletLoss(tf.zeros([3, 2]) as tf.Tensor2D, [0, 0, 1], { sampling: 'distance-weighted' }));
        attempt(() => tripletLoss(tf.zeros([3, 2]) as tf.Tensor2D, [0, 0, 1], { margin: -1 }));
        expect(errors).toHaveLength(3);
        expect(errors.every((error) => InvalidArgumentError.isInstance(error))).toBe(true);
      }),
    );
  });
});
