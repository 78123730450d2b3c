import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { distillationLoss } from './distillation-loss';

function logSoftmax(values: number[]): number[] {
  const maximum = Math.max(...values);
  const logNormaliser = maximum + Math.log(values.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
  return values.map((value) => value - logNormaliser);
}

/** Float64 reference: (1 − α)·CE + α·T²·KL(p_t ‖ q_s), batch means. */
function referenceDistillation(student: number[][], teacher: number[][], labels: number[], temperature: number, alpha: number): number {
  let crossEntropy = 0;
  let divergence = 0;
  student.forEach((row, index) => {
    crossEntropy -= logSoftmax(row)[labels[index]];
    const studentLog = logSoftmax(row.map((value) => value / temperature));
    const teacherLog = logSoftmax(teacher[index].map((value) => value / temperature));
    teacherLog.forEach((logProbability, column) => {
      divergence += Math.exp(logProbability) * (logProbability - studentLog[column]);
    });
  });
  const batch = student.length;
  return ((1 - alpha) * crossEntropy) / batch + (alpha * temperature * temperature * divergence) / batch;
}

describe('distillationLoss', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  const student = [
    [0.5, -1.0, 2.0, 0.0],
    [1.5, 0.2, -0.7, 0.9],
    [-2.0, 0.0, 0.4, 1.0],
  ];
  const teacher = [
    [1.0, -2.0, 3.0, 0.5],
    [2.5, 0.0, -1.0, 0.0],
    [-1.0, -1.0, 0.0, 2.0],
  ];
  const labels = [2, 0, 3];

  function evaluate(temperature: number, alpha: number): number {
    return tf.tidy(() =>
      distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor1d(labels, 'int32'), { temperature, alpha }).arraySync(),
    ) as number;
  }

  it('matches a float64 reference', () => {
    for (const [temperature, alpha] of [
      [4, 0.9],
      [2, 0.5],
      [1, 0],
      [3, 1],
    ]) {
      expect(evaluate(temperature, alpha)).toBeCloseTo(referenceDistillation(student, teacher, labels, temperature, alpha), 5);
    }
  });

  it('reduces to hand values at the ends of α', () => {
    // α = 0, one row [0, 0], label 0: CE = ln 2.
    const hard = tf.tidy(() =>
      distillationLoss(tf.tensor2d([[0, 0]]), tf.tensor2d([[5, -5]]), tf.tensor1d([0], 'int32'), { temperature: 3, alpha: 0 }).arraySync(),
    );
    expect(hard).toBeCloseTo(Math.LN2, 6);
    // α = 1, T = 1: KL([½, ½] ‖ [¼, ¾]) = ½ ln(4/3), whatever the labels.
    const soft = tf.tidy(() =>
      distillationLoss(tf.tensor2d([[0, Math.log(3)]]), tf.tensor2d([[0, 0]]), tf.tensor1d([0], 'int32'), { temperature: 1, alpha: 1 }).arraySync(),
    );
    expect(soft).toBeCloseTo(0.5 * Math.log(4 / 3), 6);
  });

  it('validates α, T and shapes', () => {
    const logits = tf.zeros([2, 3]) as tf.Tensor2D;
    const labels2 = tf.tensor1d([0, 1], 'int32');
    const labels3 = tf.tensor1d([0, 1, 2], 'int32');
    const argumentOf = (run: () => unknown): string | undefined => {
      try {
        run();
      } catch (error) {
        return InvalidArgumentError.isInstance(error) ? error.argument : 'other';
      }
      return undefined;
    };
    expect(argumentOf(() => distillationLoss(logits, logits, labels2, { temperature: 2, alpha: 1.5 }))).toBe('alpha');
    expect(argumentOf(() => distillationLoss(logits, logits, labels2, { temperature: -1, alpha: 0.5 }))).toBe('temperature');
    expect(argumentOf(() => distillationLoss(logits, logits, labels3, { temperature: 2, alpha: 0.5 }))).toBe('labels');
    tf.dispose([logits, labels2, labels3]);
  });
});
