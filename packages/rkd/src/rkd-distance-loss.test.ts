import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { expectNoLeak, randomMatrix, referenceDistanceLoss } from './__fixtures__/reference';
import { rkdDistanceLoss } from './rkd-distance-loss';

describe('rkdDistanceLoss', () => {
  it('matches a hand-computed case', async () => {
    // Student: collinear points 0, 1, 3 → distances 1, 3, 2 (mean 2). Teacher: right triangle 3-4-5 → 3, 4, 5 (mean 4).
    const student = [[0], [1], [3]];
    const teacher = [
      [0, 0],
      [3, 0],
      [0, 4],
    ];
    // ψS off-diagonal: 0.5, 1.5, 1.0 (pairs 01, 02, 12); ψT: 0.75, 1.0, 1.25. Differences -0.25, 0.5, -0.25, each twice.
    const expected = (2 * (0.5 * 0.0625 + 0.5 * 0.25 + 0.5 * 0.0625)) / 9;
    expect(referenceDistanceLoss(student, teacher)).toBeCloseTo(expected, 12);
    await expectNoLeak(() => {
      const value = tf.tidy(() => rkdDistanceLoss(tf.tensor2d(student), tf.tensor2d(teacher)).arraySync());
      expect(value).toBeCloseTo(expected, 6);
    });
  });

  it('matches the float64 reference on random data, including the linear branch of smooth-L1', async () => {
    const student = randomMatrix(6, 5, 1).map((row, index) => row.map((value) => (index === 0 ? value * 40 : value)));
    const teacher = randomMatrix(6, 3, 2);
    await expectNoLeak(() => {
      const value = tf.tidy(() => rkdDistanceLoss(tf.tensor2d(student), tf.tensor2d(teacher)).arraySync());
      expect(value).toBeCloseTo(referenceDistanceLoss(student, teacher), 5);
    });
  });

  it('is zero for a scaled copy and invariant to scaling the student', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const teacher = tf.tensor2d(randomMatrix(8, 4, 3));
        expect(rkdDistanceLoss(tf.mul(teacher, 3.5) as tf.Tensor2D, teacher).arraySync()).toBeLessThan(1e-10);
        const student = tf.tensor2d(randomMatrix(8, 6, 4));
        const base = rkdDistanceLoss(student, teacher).arraySync();
        expect(base).toBeGreaterThan(1e-3);
        expect(rkdDistanceLoss(tf.mul(student, 0.01) as tf.Tensor2D, teacher).arraySync()).toBeCloseTo(base, 5);
        expect(rkdDistanceLoss(tf.mul(student, 250) as tf.Tensor2D, teacher).arraySync()).toBeCloseTo(base, 5);
      }),
    );
  });

  it('accepts different widths and is zero under an isometric embedding into a wider space', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const teacherRows = randomMatrix(5, 3, 5);
        const studentRows = teacherRows.map(([x, y, z]) => [0, z, 0, x, -y, 0, 0]);
        expect(rkdDistanceLoss(tf.tensor2d(studentRows), tf.tensor2d(teacherRows)).arraySync()).toBeLessThan(1e-10);
      }),
    );
  });

  it('has finite gradients with duplicate rows, and none for the teacher', async () => {
    const rows = randomMatrix(4, 3, 6);
    const duplicated = [rows[0], rows[0], rows[1], rows[2], rows[2]];
    await expectNoLeak(() =>
      tf.tidy(() => {
        const teacher = tf.tensor2d(randomMatrix(5, 2, 7));
        const [studentGradient, teacherGradient] = tf.grads((student: tf.Tensor, t: tf.Tensor) =>
          rkdDistanceLoss(student as tf.Tensor2D, t as tf.Tensor2D),
        )([tf.tensor2d(duplicated), teacher]);
        const values = studentGradient.dataSync();
        expect(values.every(Number.isFinite)).toBe(true);
        expect(values.some((value) => value !== 0)).toBe(true);
        expect(teacherGradient.dataSync().every((value) => value === 0)).toBe(true);
      }),
    );
  });

  it('returns 0 for a batch of one, with a finite gradient', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const gradient = tf.grad((student: tf.Tensor) => rkdDistanceLoss(student as tf.Tensor2D, tf.tensor2d([[1, 2]])));
        expect(rkdDistanceLoss(tf.tensor2d([[3, 4, 5]]), tf.tensor2d([[1, 2]])).arraySync()).toBe(0);
        expect(gradient(tf.tensor2d([[3, 4, 5]])).dataSync().every((value) => value === 0)).toBe(true);
      }),
    );
  });

  it('rejects different batch sizes and non-matrices', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const call = (): unknown => rkdDistanceLoss(tf.zeros([3, 2]) as tf.Tensor2D, tf.zeros([4, 2]) as tf.Tensor2D);
        expect(call).toThrow(/same batch/);
        try {
          call();
        } catch (error) {
          expect(InvalidArgumentError.isInstance(error)).toBe(true);
        }
        expect(() => rkdDistanceLoss(tf.zeros([3, 2, 1]) as unknown as tf.Tensor2D, tf.zeros([3, 2]) as tf.Tensor2D)).toThrow(/rank 2/);
      }),
    );
  });
});
