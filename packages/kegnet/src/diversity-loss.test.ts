import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { diversityLoss } from './diversity-loss';

/** The definition, with plain loops: exp(−mean over all ordered pairs of mean-squared noise distance × mean-absolute sample distance). */
function naiveDiversity(noises: number[][], samples: number[][]): number {
  const batch = noises.length;
  let total = 0;
  for (let i = 0; i < batch; i += 1) {
    for (let j = 0; j < batch; j += 1) {
      const dz = noises[i].reduce((sum, value, k) => sum + (value - noises[j][k]) ** 2, 0) / noises[i].length;
      const dx = samples[i].reduce((sum, value, p) => sum + Math.abs(value - samples[j][p]), 0) / samples[i].length;
      total += dz * dx;
    }
  }
  return Math.exp(-total / (batch * batch));
}

function randomRows(rows: number, columns: number, seed: number): number[][] {
  let state = seed;
  return Array.from({ length: rows }, () =>
    Array.from({ length: columns }, () => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state / 2147483648 - 0.5;
    }),
  );
}

describe('diversityLoss', () => {
  it('is exp(−1) on a pair computed by hand', () => {
    const before = tf.memory().numTensors;
    // dz between the two = mean((1, 1)²) = 1; dx = mean(|1|, |3|) = 2; the pairs (0,1) and (1,0) give 2 each, i = j gives 0: mean 1.
    const noises = tf.tensor2d([0, 0, 1, 1], [2, 2]);
    const samples = tf.tensor2d([0, 0, 1, 3], [2, 2]);
    const loss = diversityLoss(noises, samples);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.exp(-1), 6);
    tf.dispose([noises, samples, loss]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('matches the definition on images, also when the pairwise differences are chunked', () => {
    const before = tf.memory().numTensors;
    for (const [batch, height] of [
      [5, 3],
      [70, 32],
    ]) {
      const noiseRows = randomRows(batch, 10, batch);
      const sampleRows = randomRows(batch, height * height, batch + 1);
      const noises = tf.tensor2d(noiseRows);
      const samples = tf.tensor4d(sampleRows.flat(), [batch, height, height, 1]);
      const loss = diversityLoss(noises, samples);
      expect(loss.dataSync()[0]).toBeCloseTo(naiveDiversity(noiseRows, sampleRows), 5);
      tf.dispose([noises, samples, loss]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('has gradients that push samples apart, and refuses mismatched batches', () => {
    const before = tf.memory().numTensors;
    const noises = tf.tensor2d(randomRows(4, 3, 2));
    const samples = tf.tensor2d(randomRows(4, 6, 3));
    const gradient = tf.grad((x: tf.Tensor) => diversityLoss(noises, x))(samples);
    // A step against the gradient lowers the loss.
    const moved = tf.tidy(() => tf.sub(samples, tf.mul(gradient, 0.1)));
    const [lossBefore, lossAfter] = [diversityLoss(noises, samples), diversityLoss(noises, moved)];
    expect(lossAfter.dataSync()[0]).toBeLessThan(lossBefore.dataSync()[0]);
    const short = tf.zeros([3, 6]);
    expect(() => diversityLoss(noises, short)).toThrow(/4 noise vectors, 3 samples/);
    tf.dispose([noises, samples, gradient, moved, lossBefore, lossAfter, short]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
