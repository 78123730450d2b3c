import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { softmaxCrossEntropy } from './softmax-cross-entropy';

/** Float64 reference: mean over rows of −Σ target · log softmax. */
function referenceCrossEntropy(logits: number[][], labels: number[], labelSmoothing = 0): number {
  let total = 0;
  for (const [row, values] of logits.entries()) {
    const maximum = Math.max(...values);
    const logNormaliser = maximum + Math.log(values.reduce((sum, value) => sum + Math.exp(value - maximum), 0));
    const classes = values.length;
    values.forEach((value, index) => {
      const target = (index === labels[row] ? 1 - labelSmoothing : 0) + labelSmoothing / classes;
      total -= target * (value - logNormaliser);
    });
  }
  return total / logits.length;
}

describe('softmaxCrossEntropy', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  function evaluate(logits: number[][], labels: number[], labelSmoothing?: number): number {
    return tf.tidy(() =>
      softmaxCrossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), labelSmoothing === undefined ? {} : { labelSmoothing }).arraySync(),
    ) as number;
  }

  it('matches hand-computed values', () => {
    expect(evaluate([[0, 0]], [0])).toBeCloseTo(Math.LN2, 6);
    // −log(e³ / (e + e² + e³)) = 0.4076059644…
    expect(evaluate([[1, 2, 3]], [2])).toBeCloseTo(0.4076059644, 6);
    // Rows give ln 2 and −ln(3/4); their mean is ln(8/3) / 2.
    expect(evaluate([[0, 0], [0, Math.log(3)]], [0, 1])).toBeCloseTo(Math.log(8 / 3) / 2, 6);
  });

  it('matches a float64 reference with and without label smoothing', () => {
    const logits = [
      [2.5, -1, 0.3, 0.7],
      [-0.2, 0.1, 3.2, -2],
      [0, 0, 0, 1],
    ];
    const labels = [0, 2, 1];
    expect(evaluate(logits, labels)).toBeCloseTo(referenceCrossEntropy(logits, labels), 5);
    expect(evaluate(logits, labels, 0.1)).toBeCloseTo(referenceCrossEntropy(logits, labels, 0.1), 5);
    // Hand value: ε = 0.1, one row [1, 2, 3], label 2: targets [0.0333…, 0.0333…, 0.9333…].
    const logSoftmax = [1, 2, 3].map((value) => value - 3 - Math.log(Math.exp(-2) + Math.exp(-1) + 1));
    const expected = -(logSoftmax[0] / 30 + logSoftmax[1] / 30 + (logSoftmax[2] * 28) / 30);
    expect(evaluate([[1, 2, 3]], [2], 0.1)).toBeCloseTo(expected, 6);
  });

  it('stays finite for large logits', () => {
    expect(evaluate([[1000, 0]], [1])).toBeCloseTo(1000, 3);
    expect(evaluate([[1000, 0]], [0])).toBeCloseTo(0, 6);
  });

  it('has gradient (softmax − one-hot) / batch', () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const labels = tf.tensor1d([2, 0], 'int32');
    const gradient = tf.grad((input: tf.Tensor) => softmaxCrossEntropy(input as tf.Tensor2D, labels))(logits);
    const softmax = [1, 2, 3].map((value) => Math.exp(value) / (Math.E + Math.E ** 2 + Math.E ** 3));
    const expected = [
      [softmax[0] / 2, softmax[1] / 2, (softmax[2] - 1) / 2],
      [(1 / 3 - 1) / 2, 1 / 6, 1 / 6],
    ];
    const actual = gradient.arraySync() as number[][];
    actual.flat().forEach((value, index) => expect(value).toBeCloseTo(expected.flat()[index], 6));
    tf.dispose([logits, labels, gradient]);
  });

  it('rejects mismatched shapes, float labels and bad smoothing', () => {
    const logits = tf.tensor2d([[1, 2]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const floatLabels = tf.tensor1d([0]);
    const goodLabels = tf.tensor1d([0], 'int32');
    const rank3 = tf.zeros([1, 2, 1]);
    const check = (run: () => unknown, argument: string): void => {
      try {
        run();
        expect.unreachable();
      } catch (error) {
        expect(InvalidArgumentError.isInstance(error)).toBe(true);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    };
    check(() => softmaxCrossEntropy(logits, labels), 'labels');
    check(() => softmaxCrossEntropy(logits, floatLabels), 'labels');
    check(() => softmaxCrossEntropy(rank3 as tf.Tensor2D, goodLabels), 'logits');
    check(() => softmaxCrossEntropy(logits, goodLabels, { labelSmoothing: 1.5 }), 'labelSmoothing');
    tf.dispose([logits, labels, floatLabels, goodLabels, rank3]);
  });
});
