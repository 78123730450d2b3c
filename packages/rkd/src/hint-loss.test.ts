import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { expectNoLeak, randomMatrix } from './__fixtures__/reference';
import { createHintLoss } from './hint-loss';

describe('createHintLoss', () => {
  it('is the MSE of a bias-free 1×1 convolution, initialised in ±0.005 and reproducible by seed', async () => {
    await expectNoLeak(() => {
      const hint = createHintLoss({ studentChannels: 3, teacherChannels: 2, seed: 5 });
      const again = createHintLoss({ studentChannels: 3, teacherChannels: 2, seed: 5 });
      expect(hint.regressor.shape).toEqual([3, 2]);
      expect(Array.from(hint.regressor.dataSync())).toEqual(Array.from(again.regressor.dataSync()));
      expect(hint.regressor.dataSync().every((value) => Math.abs(value) <= 0.005)).toBe(true);
      tf.tidy(() => {
        hint.regressor.assign(tf.tensor2d([[1, 0], [0, 2], [1, 1]]));
        const student = tf.tensor4d(randomMatrix(2 * 2 * 2, 3, 31).flat(), [2, 2, 2, 3]);
        const teacher = tf.tensor4d(randomMatrix(2 * 2 * 2, 2, 32).flat(), [2, 2, 2, 2]);
        const conv = tf.conv2d(student, tf.reshape(hint.regressor, [1, 1, 3, 2]) as tf.Tensor4D, 1, 'valid');
        const expected = tf.mean(tf.square(tf.sub(conv, teacher))).arraySync() as number;
        expect(hint.compute(student, teacher).arraySync()).toBeCloseTo(expected, 6);
      });
      hint.dispose();
      again.dispose();
    });
  });

  it('handles 2-D features and trains only the regressor and the student', async () => {
    await expectNoLeak(() => {
      const hint = createHintLoss({ studentChannels: 4, teacherChannels: 3, seed: 1 });
      expect(hint.variables()).toEqual([hint.regressor]);
      tf.tidy(() => {
        const student = tf.tensor2d(randomMatrix(5, 4, 33));
        const teacher = tf.tensor2d(randomMatrix(5, 3, 34));
        const { grads } = tf.variableGrads(() => hint.compute(student, teacher), hint.variables());
        expect(grads[hint.regressor.name].dataSync().every(Number.isFinite)).toBe(true);
        const [teacherGradient] = tf.grads((t: tf.Tensor) => hint.compute(student, t))([teacher]);
        expect(teacherGradient.dataSync().every((value) => value === 0)).toBe(true);
      });
      hint.dispose();
    });
  });

  it('rejects shapes that do not fit the regressor', async () => {
    await expectNoLeak(() => {
      const hint = createHintLoss({ studentChannels: 2, teacherChannels: 2 });
      tf.tidy(() => {
        for (const [student, teacher] of [
          [[2, 3], [2, 2]],
          [[2, 2], [3, 2]],
          [[1, 2, 2, 2], [1, 1, 1, 2]],
          [[1, 2, 2, 2], [1, 2]],
        ]) {
          let caught: unknown;
          try {
            hint.compute(tf.zeros(student), tf.zeros(teacher));
          } catch (error) {
            caught = error;
          }
          expect(InvalidArgumentError.isInstance(caught)).toBe(true);
        }
      });
      hint.dispose();
      expect(() => createHintLoss({ studentChannels: 0, teacherChannels: 2 })).toThrow(/positive integer/);
    });
  });
});
