import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { accuracy, topKAccuracy } from './accuracy';

describe('accuracy and topKAccuracy', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  // Ranks per row (highest first): row 0: 2,1,0,3; row 1: 0,3,1,2; row 2: 3,2,1,0; row 3: 1,0,2,3.
  const logits = [
    [0.1, 0.5, 0.9, -1],
    [4, 1, 0, 2],
    [-3, -2, -1, 0],
    [0.2, 0.3, 0.1, 0],
  ];
  const labels = [2, 3, 0, 1];

  function measure(run: (scores: tf.Tensor2D, classes: tf.Tensor1D) => tf.Scalar): number {
    return tf.tidy(() => run(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).arraySync());
  }

  it('counts arg-max hits', () => {
    // Hits: rows 0 and 3.
    expect(measure(accuracy)).toBeCloseTo(0.5, 6);
  });

  it('counts top-k hits', () => {
    expect(measure((scores, classes) => topKAccuracy(scores, classes, 1))).toBeCloseTo(0.5, 6);
    // Row 1's label 3 is second.
    expect(measure((scores, classes) => topKAccuracy(scores, classes, 2))).toBeCloseTo(0.75, 6);
    expect(measure((scores, classes) => topKAccuracy(scores, classes, 3))).toBeCloseTo(0.75, 6);
    expect(measure((scores, classes) => topKAccuracy(scores, classes, 4))).toBeCloseTo(1, 6);
  });

  it('rejects k outside [1, classes]', () => {
    for (const k of [0, 5, 1.5]) {
      expect(() => measure((scores, classes) => topKAccuracy(scores, classes, k))).toThrow(InvalidArgumentError);
    }
  });
});
