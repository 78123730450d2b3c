import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stopGradient, withoutGradient } from './stop-gradient';

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

  it('withoutGradient computes a function of the input with a zero gradient', () => {
    const x = tf.tensor1d([1, -2, 3]);
    const positive = withoutGradient(x, (input) => tf.sum(tf.cast(tf.greater(input, 0), 'float32')));
    expect(positive.arraySync()).toBe(2);
    // d/dx Σ x · count(x > 0) = count, with no gradient through the count.
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(input, withoutGradient(input, (values) => tf.sum(tf.cast(tf.greater(values, 0), 'float32'))))))(x);
    expect(gradient.arraySync()).toEqual([2, 2, 2]);
    tf.dispose([x, positive, gradient]);
  });
});
