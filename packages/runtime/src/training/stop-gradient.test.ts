import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopGradient } from './stop-gradient';

describe('stopGradient', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the identity forward and blocks the gradient backward', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const value = stopGradient(x);
    expect(value.arraySync()).toEqual([1, -2, 3]);
    expect(value).not.toBe(x);
    // d/dx Σ (x² + stopGradient(x)²) = 2x: the stopped branch contributes nothing.
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.add(tf.square(input), tf.square(stopGradient(input)))))(x);
    expect(gradient.arraySync()).toEqual([2, -4, 6]);
    tf.dispose([x, value, gradient]);
  });
});
