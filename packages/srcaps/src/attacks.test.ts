import * as tf from '@tensorflow/tfjs';
import { createRng, InvalidArgumentError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose } from './__fixtures__/reference';
import { attackSuccess, fgsm, iterativeAttack, targetedFgsm } from './attacks';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

// A linear classifier logits = x W: ∂CE/∂x = (softmax(xW) − onehot(y)) Wᵀ / batch, computed by hand below.
const weights = [
  [1, -2, 0.5],
  [0.3, 0.7, -1],
];
const inputs = [
  [0.2, -0.1],
  [0.9, 0.4],
];
const softmax = (row: number[]) => {
  const max = Math.max(...row);
  const exps = row.map((value) => Math.exp(value - max));
  const total = exps.reduce((sum, value) => sum + value, 0);
  return exps.map((value) => value / total);
};
function expectedStep(labels: number[], direction: 1 | -1, epsilon: number, clip: [number, number]): number[] {
  return inputs.flatMap((x, b) => {
    const logits = [0, 1, 2].map((j) => x[0] * weights[0][j] + x[1] * weights[1][j]);
    const residual = softmax(logits).map((p, j) => p - (j === labels[b] ? 1 : 0));
    return x.map((value, i) => {
      const gradient = residual.reduce((sum, r, j) => sum + r * weights[i][j], 0);
      return Math.min(clip[1], Math.max(clip[0], value + direction * epsilon * Math.sign(gradient)));
    });
  });
}

describe('fgsm', () => {
  const model = (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, tf.tensor2d(weights));

  it('is clip(x + ε·sign(∇x CE)) (hand-computed gradient of a linear model)', () => {
    const x = tf.tensor2d(inputs);
    const labels = tf.tensor1d([0, 2], 'int32');
    const adversarial = fgsm(model, x, labels, { epsilon: 0.25, clipMin: -1, clipMax: 1 });
    expectClose(adversarial.dataSync(), expectedStep([0, 2], 1, 0.25, [-1, 1]), 1e-6);
    const clipped = fgsm(model, x, labels, { epsilon: 0.25, clipMin: 0, clipMax: 1 });
    expectClose(clipped.dataSync(), expectedStep([0, 2], 1, 0.25, [0, 1]), 1e-6);
    tf.dispose([x, labels, adversarial, clipped]);
  });

  it('targeted: steps against the target class cross-entropy', () => {
    const x = tf.tensor2d(inputs);
    const targets = tf.tensor1d([1, 1], 'int32');
    const adversarial = targetedFgsm(model, x, targets, { epsilon: 0.1, clipMin: -5, clipMax: 5 });
    expectClose(adversarial.dataSync(), expectedStep([1, 1], -1, 0.1, [-5, 5]), 1e-6);
    tf.dispose([x, targets, adversarial]);
  });

  it('rejects a negative ε, an empty clip range and labels of another batch', () => {
    const x = tf.tensor2d(inputs);
    const labels = tf.tensor1d([0, 2, 1], 'int32');
    const good = tf.tensor1d([0, 2], 'int32');
    let caught: unknown;
    try {
      fgsm(model, x, good, { epsilon: -0.1, clipMin: 0, clipMax: 1 });
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect(() => fgsm(model, x, good, { epsilon: 0.1, clipMin: 1, clipMax: 1 })).toThrow(/clipMin must be below clipMax/);
    expect(() => fgsm(model, x, labels, { epsilon: 0.1, clipMin: 0, clipMax: 1 })).toThrow(/labels must be \[batch\] = \[2\]/);
    tf.dispose([x, labels, good]);
  });
});

describe('iterativeAttack', () => {
  const model = (x: tf.Tensor) => tf.matMul(x as tf.Tensor2D, tf.tensor2d(weights));

  it('with one step of size ε equals FGSM; with more steps stays in the ε-ball and the clip range', () => {
    const x = tf.tensor2d(inputs);
    const labels = tf.tensor1d([0, 2], 'int32');
    const bounds = { epsilon: 0.3, clipMin: -1, clipMax: 0.95 };
    const single = iterativeAttack(model, x, labels, { ...bounds, steps: 1, stepSize: 0.3 });
    const reference = fgsm(model, x, labels, bounds);
    expectClose(single.dataSync(), reference.dataSync(), 1e-6);
    const many = iterativeAttack(model, x, labels, { ...bounds, steps: 10, stepSize: 0.07 });
    const values = many.dataSync();
    inputs.flat().forEach((value, index) => {
      expect(Math.abs(values[index] - value)).toBeLessThanOrEqual(0.3 + 1e-6);
      expect(values[index]).toBeLessThanOrEqual(0.95);
    });
    tf.dispose([x, labels, single, reference, many]);
  });

  it('raises the loss more than one FGSM step (untargeted) and reaches the target more often (targeted); PGD starts are seeded', () => {
    const x = tf.tensor2d(inputs);
    const labels = tf.tensor1d([0, 2], 'int32');
    const targets = tf.tensor1d([1, 1], 'int32');
    const loss = (candidate: tf.Tensor, classes: tf.Tensor1D) => tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(classes, 3), model(candidate)).dataSync()[0]);
    const bounds = { epsilon: 0.5, clipMin: -3, clipMax: 3 };
    const iterated = iterativeAttack(model, x, labels, { ...bounds, steps: 10, stepSize: 0.05 });
    const clean = loss(x, labels);
    expect(loss(iterated, labels)).toBeGreaterThan(clean);
    const targeted = iterativeAttack(model, x, labels, { ...bounds, steps: 10, stepSize: 0.05, targets });
    expect(loss(targeted, targets)).toBeLessThan(loss(x, targets));
    const first = iterativeAttack(model, x, labels, { ...bounds, steps: 2, stepSize: 0.1, randomStart: createRng(4) });
    const again = iterativeAttack(model, x, labels, { ...bounds, steps: 2, stepSize: 0.1, randomStart: createRng(4) });
    expect(Array.from(again.dataSync())).toEqual(Array.from(first.dataSync()));
    tf.dispose([x, labels, targets, iterated, targeted, first, again]);
  });
});

describe('attackSuccess', () => {
  it('counts only initially correct examples; targeted successes hit the target', () => {
    const labels = [0, 1, 2, 3];
    const clean = [0, 1, 0, 3]; // example 2 was wrong: not counted
    const adversarial = [1, 1, 2, 0];
    expect(attackSuccess(labels, clean, adversarial)).toMatchObject({ correct: 3, succeeded: 2 });
    expect(attackSuccess(labels, clean, adversarial, [1, 2, 3, 0])).toMatchObject({ correct: 3, succeeded: 2 });
    expect(attackSuccess(labels, clean, adversarial, [2, 2, 3, 1])).toMatchObject({ correct: 3, succeeded: 0 });
  });
});
