import * as tf from '@tensorflow/tfjs';
import { createRng } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { gumbelSoftmax, sampleTopTwo, searchTemperature } from './index';

describe('searchTemperature', () => {
  it('decays by a cosine from 5 to exactly 0.1', () => {
    expect(searchTemperature(0, 11)).toBe(5);
    expect(searchTemperature(10, 11)).toBeCloseTo(0.1, 12);
    expect(searchTemperature(5, 11)).toBeCloseTo(2.55, 12);
    expect(searchTemperature(2, 11)).toBeCloseTo(0.1 + 4.9 * (1 + Math.cos(Math.PI * 0.2)) / 2, 12);
    expect(searchTemperature(0, 1)).toBe(5);
  });
});

describe('sampleTopTwo', () => {
  it('draws two distinct candidates, weighted by the softmax of their perturbed logits, reproducibly', () => {
    const before = tf.memory().numTensors;
    const values = [0.5, -1, 2, 0, 0.1];
    const logits = tf.tensor1d(values);
    const counts = new Array(5).fill(0);
    const rng = createRng(3);
    for (let draw = 0; draw < 300; draw += 1) {
      const sample = sampleTopTwo(logits, values, 1, rng);
      expect(sample.indices).toHaveLength(2);
      expect(sample.indices[0]).not.toBe(sample.indices[1]);
      const weights = sample.weights.dataSync();
      expect(weights[0] + weights[1]).toBeCloseTo(1, 5);
      sample.indices.forEach((index) => (counts[index] += 1));
      sample.weights.dispose();
    }
    // The largest logit is in most pairs, the smallest in few.
    expect(counts[2]).toBeGreaterThan(200);
    expect(counts[1]).toBeLessThan(counts[2] / 3);
    // Same seed, same draws and weights: the weights are softmax((log_softmax(α) + g)/τ) at the pair.
    const first = sampleTopTwo(logits, values, 0.5, createRng(9));
    const again = sampleTopTwo(logits, values, 0.5, createRng(9));
    expect(again.indices).toEqual(first.indices);
    expect(Array.from(again.weights.dataSync())).toEqual(Array.from(first.weights.dataSync()));
    tf.dispose([first.weights, again.weights, logits]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('lets the gradient reach the logits through the two weights', () => {
    const before = tf.memory().numTensors;
    const values = [0, 0, 0];
    const logits = tf.tensor1d(values);
    const grad = tf.grad((alpha: tf.Tensor) => {
      const sample = sampleTopTwo(alpha as tf.Tensor1D, values, 1, createRng(4));
      return tf.gather(sample.weights, 0);
    })(logits);
    const gradients = Array.from(grad.dataSync());
    expect(Math.abs(gradients.reduce((a, b) => a + b, 0))).toBeLessThan(1e-6);
    expect(gradients.some((value) => Math.abs(value) > 1e-3)).toBe(true);
    tf.dispose([logits, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('gumbelSoftmax', () => {
  it('is a probability vector that sharpens as the temperature falls', () => {
    const before = tf.memory().numTensors;
    const logits = tf.tensor1d([1, 0, -1]);
    const warm = gumbelSoftmax(logits, 5, createRng(1));
    const cold = gumbelSoftmax(logits, 0.05, createRng(1));
    expect(Array.from(warm.dataSync()).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Math.max(...cold.dataSync())).toBeGreaterThan(Math.max(...warm.dataSync()));
    expect(Math.max(...cold.dataSync())).toBeGreaterThan(0.9);
    tf.dispose([logits, warm, cold]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
