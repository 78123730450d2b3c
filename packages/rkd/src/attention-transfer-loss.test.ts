import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { expectNoLeak, randomMatrix } from './__fixtures__/reference';
import { attentionMap, attentionTransferLoss } from './attention-transfer-loss';

/** Float64 attention map of an NHWC array given as nested lists. */
function referenceMap(feature: number[][][][]): number[][] {
  return feature.map((example) => {
    const energy = example.flatMap((row) => row.map((pixel) => pixel.reduce((sum, value) => sum + value * value, 0) / pixel.length));
    const norm = Math.sqrt(energy.reduce((sum, value) => sum + value * value, 0));
    return energy.map((value) => value / Math.max(norm, 1e-12));
  });
}

function randomFeature(batch: number, height: number, width: number, channels: number, seed: number): number[][][][] {
  const flat = randomMatrix(batch * height * width, channels, seed);
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => flat[(b * height + y) * width + x])),
  );
}

describe('attentionTransferLoss', () => {
  it('computes a normalised channel-mean of squares', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        // One example, 1×2 map: energies (1² + 1²)/2 = 1 and (2² + 0²)/2 = 2 → (1, 2)/√5.
        const map = attentionMap(tf.tensor4d([[[[1, 1], [2, 0]]]])).arraySync();
        expect(map[0][0]).toBeCloseTo(1 / Math.sqrt(5), 6);
        expect(map[0][1]).toBeCloseTo(2 / Math.sqrt(5), 6);
        expect(attentionMap(tf.zeros([1, 2, 2, 3]) as tf.Tensor4D).dataSync().every((value) => value === 0)).toBe(true);
      }),
    );
  });

  it('matches the float64 reference with different channel counts', async () => {
    const student = randomFeature(2, 3, 3, 4, 21);
    const teacher = randomFeature(2, 3, 3, 6, 22);
    const studentMap = referenceMap(student);
    const teacherMap = referenceMap(teacher);
    let total = 0;
    studentMap.forEach((row, b) => row.forEach((value, index) => (total += (value - teacherMap[b][index]) ** 2)));
    const expected = total / (2 * 9);
    await expectNoLeak(() => {
      const value = tf.tidy(() => attentionTransferLoss(tf.tensor4d(student), tf.tensor4d(teacher)).arraySync());
      expect(value).toBeCloseTo(expected, 6);
    });
  });

  it('average-pools a larger student map to the teacher size', async () => {
    const student = randomFeature(2, 4, 4, 3, 23);
    const teacher = randomFeature(2, 2, 2, 5, 24);
    const pooled = student.map((example) =>
      [0, 1].map((y) =>
        [0, 1].map((x) =>
          [0, 1, 2].map(
            (channel) =>
              (example[2 * y][2 * x][channel] + example[2 * y + 1][2 * x][channel] + example[2 * y][2 * x + 1][channel] + example[2 * y + 1][2 * x + 1][channel]) / 4,
          ),
        ),
      ),
    );
    const studentMap = referenceMap(pooled);
    const teacherMap = referenceMap(teacher);
    let total = 0;
    studentMap.forEach((row, b) => row.forEach((value, index) => (total += (value - teacherMap[b][index]) ** 2)));
    await expectNoLeak(() => {
      const value = tf.tidy(() => attentionTransferLoss(tf.tensor4d(student), tf.tensor4d(teacher)).arraySync());
      expect(value).toBeCloseTo(total / 8, 6);
    });
  });

  it('is zero for the same map and gives finite gradients, none for the teacher', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const feature = tf.tensor4d(randomFeature(2, 2, 2, 3, 25));
        expect(attentionTransferLoss(feature, feature).arraySync()).toBeLessThan(1e-12);
        const [studentGradient, teacherGradient] = tf.grads((s: tf.Tensor, t: tf.Tensor) =>
          attentionTransferLoss(s as tf.Tensor4D, t as tf.Tensor4D),
        )([tf.zeros([2, 2, 2, 3]), tf.tensor4d(randomFeature(2, 2, 2, 2, 26))]);
        expect(studentGradient.dataSync().every(Number.isFinite)).toBe(true);
        expect(teacherGradient.dataSync().every((value) => value === 0)).toBe(true);
      }),
    );
  });

  it('rejects a smaller student map, non-integer ratios and different batch sizes', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const call = (student: number[], teacher: number[]): unknown => {
          try {
            attentionTransferLoss(tf.zeros(student) as unknown as tf.Tensor4D, tf.zeros(teacher) as unknown as tf.Tensor4D);
          } catch (error) {
            return error;
          }
          return undefined;
        };
        for (const [student, teacher] of [
          [[1, 2, 2, 1], [1, 4, 4, 1]],
          [[1, 6, 6, 1], [1, 4, 4, 1]],
          [[2, 4, 4, 1], [1, 4, 4, 1]],
          [[2, 4, 4], [2, 4, 4, 1]],
        ]) {
          expect(InvalidArgumentError.isInstance(call(student, teacher))).toBe(true);
        }
      }),
    );
  });
});
