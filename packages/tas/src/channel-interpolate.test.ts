import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { channelWiseInterpolate, channelZeroPad } from './index';

/** Naive adaptive average pooling along the last axis of an NHWC array. */
function naive(values: number[], pixels: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let pixel = 0; pixel < pixels; pixel += 1) {
    for (let k = 0; k < to; k += 1) {
      const start = Math.floor((k * from) / to);
      const end = Math.ceil(((k + 1) * from) / to);
      let sum = 0;
      for (let c = start; c < end; c += 1) sum += values[pixel * from + c];
      out.push(sum / (end - start));
    }
  }
  return out;
}

describe('channelWiseInterpolate', () => {
  it('is the identity at equal widths and adaptive average pooling otherwise (growing or shrinking)', () => {
    const before = tf.memory().numTensors;
    for (const [from, to] of [[5, 5], [4, 2], [3, 2], [2, 5], [7, 3], [6, 16]]) {
      const values = Array.from({ length: 2 * 2 * 3 * from }, (_, index) => Math.cos(index * 0.7) * 3);
      const x = tf.tensor4d(values, [2, 2, 3, from]);
      const y = channelWiseInterpolate(x, to);
      expect(y.shape).toEqual([2, 2, 3, to]);
      const got = Array.from(y.dataSync());
      naive(values, 12, from, to).forEach((value, index) => expect(got[index]).toBeCloseTo(value, 5));
      tf.dispose([x, y]);
    }
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 1, 4]);
    const halves = channelWiseInterpolate(x, 2);
    expect(Array.from(halves.dataSync())).toEqual([1.5, 3.5]);
    const padded = channelZeroPad(x, 6);
    expect(Array.from(padded.dataSync())).toEqual([1, 2, 3, 4, 0, 0]);
    tf.dispose([x, halves, padded]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes gradients back to every input channel', () => {
    const before = tf.memory().numTensors;
    const x = tf.ones([1, 1, 1, 3]);
    const grad = tf.grad((input: tf.Tensor) => tf.sum(channelWiseInterpolate(input as tf.Tensor4D, 2)))(x);
    // Channel 1 falls into both bins [0, 2) and [1, 3): 1/2 + 1/2.
    expect(Array.from(grad.dataSync())).toEqual([0.5, 1, 0.5]);
    tf.dispose([x, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
