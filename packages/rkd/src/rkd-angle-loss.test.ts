import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { expectNoLeak, randomMatrix, referenceAngleLoss } from './__fixtures__/reference';
import { rkdAngleLoss, tripletAngleCosines } from './rkd-angle-loss';

describe('tripletAngleCosines', () => {
  it('gives the cosine at vertex a and 0 for degenerate triplets', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        // Right angle at the origin: a = 0, b = (1, 0), c = (0, 2).
        const cosines = tripletAngleCosines(tf.tensor2d([[0, 0], [1, 0], [0, 2]])).arraySync();
        expect(cosines[0][1][2]).toBeCloseTo(0, 6);
        expect(cosines[0][1][1]).toBeCloseTo(1, 6);
        // At b = (1, 0): towards a is (-1, 0), towards c is (-1, 2)/√5.
        expect(cosines[1][0][2]).toBeCloseTo(1 / Math.sqrt(5), 6);
        expect(cosines[1][1][2]).toBe(0);
        expect(cosines[2][2][2]).toBe(0);
      }),
    );
  });
});

describe('rkdAngleLoss', () => {
  it('matches a hand-computed case', async () => {
    // Student: right angle at vertex 0. Teacher: collinear 0, 1, 2 on a line.
    const student = [[0, 0], [1, 0], [0, 1]];
    const teacher = [[0], [1], [2]];
    // Non-zero cosines, [a, b, c] with b, c ≠ a. Student: every b = c entry is 1 (6 entries);
    // [0,1,2], [0,2,1] = 0; [1,0,2], [1,2,0] = 1/√2; [2,0,1], [2,1,0] = 1/√2.
    // Teacher: b = c entries 1; [0,1,2], [0,2,1] = 1; [1,0,2], [1,2,0] = -1; [2,0,1], [2,1,0] = 1.
    const h = (x: number): number => (Math.abs(x) < 1 ? 0.5 * x * x : Math.abs(x) - 0.5);
    const r = 1 / Math.SQRT2;
    const expected = (2 * h(0 - 1) + 2 * h(r + 1) + 2 * h(r - 1)) / 27;
    expect(referenceAngleLoss(student, teacher)).toBeCloseTo(expected, 12);
    await expectNoLeak(() => {
      const value = tf.tidy(() => rkdAngleLoss(tf.tensor2d(student), tf.tensor2d(teacher)).arraySync());
      expect(value).toBeCloseTo(expected, 6);
    });
  });

  it('matches the float64 reference on random data of different widths', async () => {
    const student = randomMatrix(7, 5, 11);
    const teacher = randomMatrix(7, 3, 12);
    await expectNoLeak(() => {
      const value = tf.tidy(() => rkdAngleLoss(tf.tensor2d(student), tf.tensor2d(teacher)).arraySync());
      expect(value).toBeCloseTo(referenceAngleLoss(student, teacher), 6);
    });
  });

  it('is zero for a scaled and translated copy and invariant to scaling the student', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const teacher = tf.tensor2d(randomMatrix(6, 4, 13));
        const moved = tf.add(tf.mul(teacher, 0.3), tf.tensor1d([5, -2, 1, 0.5])) as tf.Tensor2D;
        expect(rkdAngleLoss(moved, teacher).arraySync()).toBeLessThan(1e-9);
        const student = tf.tensor2d(randomMatrix(6, 2, 14));
        const base = rkdAngleLoss(student, teacher).arraySync();
        expect(base).toBeGreaterThan(1e-3);
        expect(rkdAngleLoss(tf.mul(student, 40) as tf.Tensor2D, teacher).arraySync()).toBeCloseTo(base, 5);
      }),
    );
  });

  it('has finite gradients with duplicate rows, and none for the teacher', async () => {
    const rows = randomMatrix(3, 4, 15);
    const teacherRows = randomMatrix(3, 2, 16);
    await expectNoLeak(() =>
      tf.tidy(() => {
        const student = tf.tensor2d([rows[0], rows[1], rows[1], rows[2]]);
        // Duplicates on both sides (same image twice), and duplicates on the student side only.
        for (const teacher of [
          tf.tensor2d([teacherRows[0], teacherRows[1], teacherRows[1], teacherRows[2]]),
          tf.tensor2d(randomMatrix(4, 2, 17)),
        ]) {
          const [studentGradient, teacherGradient] = tf.grads((s: tf.Tensor, t: tf.Tensor) =>
            rkdAngleLoss(s as tf.Tensor2D, t as tf.Tensor2D),
          )([student, teacher]);
          expect(studentGradient.dataSync().every(Number.isFinite)).toBe(true);
          expect(teacherGradient.dataSync().every((value) => value === 0)).toBe(true);
        }
      }),
    );
  });

  it('returns 0 for a batch of one and rejects different batch sizes', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        expect(rkdAngleLoss(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[4]])).arraySync()).toBe(0);
        let caught: unknown;
        try {
          rkdAngleLoss(tf.zeros([2, 3]) as tf.Tensor2D, tf.zeros([3, 3]) as tf.Tensor2D);
        } catch (error) {
          caught = error;
        }
        expect(InvalidArgumentError.isInstance(caught)).toBe(true);
      }),
    );
  });
});
