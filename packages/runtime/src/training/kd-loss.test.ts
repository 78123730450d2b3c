import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { kdLoss } from './kd-loss';

function logSoftmax(values: number[]): number[] {
  const maximum = Math.max(...values);
  const logNormaliser = maximum + Math.log(values.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
  return values.map((value) => value - logNormaliser);
}

/** Float64 reference of torch `kl_div(log_softmax(s/T), softmax(t/T), reduction='batchmean') * T * T`. */
function referenceKd(student: number[][], teacher: number[][], temperature: number): number {
  let total = 0;
  student.forEach((row, index) => {
    const studentLog = logSoftmax(row.map((value) => value / temperature));
    const teacherLog = logSoftmax(teacher[index].map((value) => value / temperature));
    teacherLog.forEach((logProbability, column) => {
      total += Math.exp(logProbability) * (logProbability - studentLog[column]);
    });
  });
  return (total / student.length) * temperature * temperature;
}

describe('kdLoss', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  const student = [
    [1.2, -0.4, 0.3],
    [0.1, 2.0, -1.5],
  ];
  const teacher = [
    [2.0, 0.5, -1.0],
    [-0.3, 1.1, 0.4],
  ];

  function evaluate(studentLogits: number[][], teacherLogits: number[][], temperature: number): number {
    return tf.tidy(() => kdLoss(tf.tensor2d(studentLogits), tf.tensor2d(teacherLogits), { temperature }).arraySync()) as number;
  }

  it('is zero when student and teacher agree', () => {
    expect(evaluate(student, student, 4)).toBeCloseTo(0, 6);
  });

  it('matches a hand-computed value', () => {
    // T = 1, one row: teacher [0, 0] → p = [½, ½]; student [0, ln 3] → q = [¼, ¾].
    // KL = ½ ln(½ / ¼) + ½ ln(½ / ¾) = ½ ln(4/3).
    expect(evaluate([[0, Math.log(3)]], [[0, 0]], 1)).toBeCloseTo(0.5 * Math.log(4 / 3), 6);
    // Same distributions at T = 2 with logits doubled: the T² factor gives 4 × ½ ln(4/3).
    expect(evaluate([[0, 2 * Math.log(3)]], [[0, 0]], 2)).toBeCloseTo(2 * Math.log(4 / 3), 5);
  });

  it('matches a float64 reference at several temperatures', () => {
    for (const temperature of [1, 2, 4, 8]) {
      expect(evaluate(student, teacher, temperature)).toBeCloseTo(referenceKd(student, teacher, temperature), 5);
    }
  });

  it('stays finite when a teacher probability underflows', () => {
    const value = evaluate([[0, 0]], [[0, -1000]], 1);
    expect(value).toBeCloseTo(Math.LN2, 5);
  });

  it('sends gradient T·(q − p)/batch to the student and none to the teacher', () => {
    const temperature = 4;
    const studentTensor = tf.tensor2d(student);
    const teacherTensor = tf.tensor2d(teacher);
    const [studentGradient, teacherGradient] = tf.grads((s: tf.Tensor, t: tf.Tensor) =>
      kdLoss(s as tf.Tensor2D, t as tf.Tensor2D, { temperature }),
    )([studentTensor, teacherTensor]);
    const actual = studentGradient.arraySync() as number[][];
    student.forEach((row, index) => {
      const q = logSoftmax(row.map((value) => value / temperature)).map(Math.exp);
      const p = logSoftmax(teacher[index].map((value) => value / temperature)).map(Math.exp);
      q.forEach((probability, column) => {
        expect(actual[index][column]).toBeCloseTo((temperature * (probability - p[column])) / student.length, 6);
      });
    });
    expect(teacherGradient.arraySync()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    tf.dispose([studentTensor, teacherTensor, studentGradient, teacherGradient]);
  });

  it('rejects mismatched shapes and temperatures ≤ 0', () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([2, 4]) as tf.Tensor2D;
    const c = tf.zeros([3, 3]) as tf.Tensor2D;
    for (const [run, argument] of [
      [() => kdLoss(a, b, { temperature: 1 }), 'teacherLogits'],
      [() => kdLoss(a, c, { temperature: 1 }), 'teacherLogits'],
      [() => kdLoss(a, a, { temperature: 0 }), 'temperature'],
      [() => kdLoss(a, a, { temperature: Number.NaN }), 'temperature'],
    ] as const) {
      expect(run).toThrow(InvalidArgumentError);
      try {
        run();
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error) && error.argument).toBe(argument);
      }
    }
    tf.dispose([a, b, c]);
  });
});
