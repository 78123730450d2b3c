import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose, randomArray } from './__fixtures__/reference';
import { emRouting2d } from './em-routing';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

function inputs(A: number, size: number, seed: number) {
  return {
    activations: tf.tensor4d(randomArray(2 * 3 * 3 * A, seed, 0, 1), [2, 3, 3, A]),
    poses: tf.tensor4d(randomArray(2 * 3 * 3 * A * size, seed + 1), [2, 3, 3, A * size]),
  };
}

describe('emRouting2d', () => {
  it('with one iteration, gives the activation-weighted mean vote and sigmoid(λ(β_a − cost)) (hand-computed on a 1×1 grid)', () => {
    // Two input capsules with 1×1 "matrices" (m = 1), one output capsule: votes v_i = W_i · M_i.
    const activations = tf.tensor4d([0.2, 0.6], [1, 1, 1, 2]);
    const poses = tf.tensor4d([1, 3], [1, 1, 1, 2]);
    const pose = tf.tensor4d([2, 0.5], [2, 1, 1, 1]);
    const betaU = tf.tensor1d([0.1]);
    const betaA = tf.tensor1d([0.3]);
    const output = emRouting2d({ activations, poses }, { pose, betaU, betaA }, { kernelSize: 1, stride: 1, padding: 0, iterations: 1 });
    // votes 2 and 1.5 with weights 0.2 and 0.6: μ = (0.4 + 0.9) / 0.8 = 1.625
    const mean = 1.625;
    const variance = (0.2 * (2 - mean) ** 2 + 0.6 * (1.5 - mean) ** 2) / 0.8 + 1e-8;
    const cost = (0.1 + 0.5 * Math.log(variance)) * 0.8;
    const lambda = 0.01 * (1 - 0.95);
    expectClose(output.poses.dataSync(), [mean], 1e-5);
    expectClose(output.activations.dataSync(), [1 / (1 + Math.exp(-lambda * (0.3 - cost)))], 1e-6);
    tf.dispose([activations, poses, pose, betaU, betaA, output.activations, output.poses]);
  });

  it('gives finite activations in (0, 1) and poses of B·m² channels on a 3×3 grid, with finite gradients', () => {
    const { activations, poses } = inputs(2, 4, 3);
    const pose = tf.tensor4d(randomArray(9 * 2 * 3 * 4, 5), [18, 3, 2, 2]);
    const betaU = tf.zeros([3]) as tf.Tensor1D;
    const betaA = tf.zeros([3]) as tf.Tensor1D;
    const options = { kernelSize: 3, stride: 2, padding: 1, iterations: 3 };
    const output = emRouting2d({ activations, poses }, { pose, betaU, betaA }, options);
    expect(output.activations.shape).toEqual([2, 2, 2, 3]);
    expect(output.poses.shape).toEqual([2, 2, 2, 12]);
    const values = Array.from(output.activations.dataSync());
    expect(values.every((value) => value > 0 && value < 1)).toBe(true);
    const gradient = tf.grad((weights: tf.Tensor) => tf.sum(emRouting2d({ activations, poses }, { pose: weights as tf.Tensor4D, betaU, betaA }, options).activations))(pose);
    expect(Array.from(gradient.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([activations, poses, pose, betaU, betaA, output.activations, output.poses, gradient]);
  });

  it('rejects non-square pose sizes and weights that do not fit, naming the shapes', () => {
    const { activations, poses } = inputs(2, 3, 7);
    const pose = tf.zeros([18, 3, 2, 2]) as tf.Tensor4D;
    const betaU = tf.zeros([3]) as tf.Tensor1D;
    const betaA = tf.zeros([3]) as tf.Tensor1D;
    expect(() => emRouting2d({ activations, poses }, { pose, betaU, betaA }, { kernelSize: 3, stride: 1, padding: 1, iterations: 2 })).toThrow(/square pose matrices/);
    const square = inputs(2, 4, 8);
    const wrong = tf.zeros([9, 3, 2, 2]) as tf.Tensor4D;
    let caught: unknown;
    try {
      emRouting2d(square, { pose: wrong, betaU, betaA }, { kernelSize: 3, stride: 1, padding: 1, iterations: 2 });
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/\[9,3,2,2\] do not fit poses \[2,3,3,8\].*expected \[18, B, 2, 2\]/);
    tf.dispose([activations, poses, pose, betaU, betaA, square.activations, square.poses, wrong]);
  });
});
