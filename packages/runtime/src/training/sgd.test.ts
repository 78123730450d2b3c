import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createQuadraticVariables, quadratic, quadraticGradient, quadraticLoss, quadraticLossValue, valuesOf } from './__fixtures__/quadratic';
import { createSgd, type SgdOptions } from './sgd';

/** Float64 reference of torch.optim.SGD (dampening 0) on the quadratic. */
function referenceSgd(options: Required<Omit<SgdOptions, 'learningRate'>>, learningRates: number[]): number[][] {
  const values = quadratic.start.map((flat) => [...flat]);
  let buffers: number[][] | undefined;
  for (const learningRate of learningRates) {
    const gradients = quadraticGradient(values).map((flat, variable) => flat.map((gradient, index) => gradient + options.weightDecay * values[variable][index]));
    let directions = gradients;
    if (options.momentum > 0) {
      buffers =
        buffers === undefined
          ? gradients.map((flat) => [...flat])
          : buffers.map((flat, variable) => flat.map((buffer, index) => options.momentum * buffer + gradients[variable][index]));
      const current = buffers;
      directions = options.nesterov
        ? gradients.map((flat, variable) => flat.map((gradient, index) => gradient + options.momentum * current[variable][index]))
        : current;
    }
    values.forEach((flat, variable) => flat.forEach((value, index) => (flat[index] = value - learningRate * directions[variable][index])));
  }
  return values;
}

function expectClose(actual: number[][], expected: number[][], digits = 5): void {
  actual.flat().forEach((value, index) => expect(value).toBeCloseTo(expected.flat()[index], digits));
}

describe('createSgd', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  const learningRates = [0.1, 0.1, 0.05, 0.05, 0.02, 0.2];
  const cases: Array<Required<Omit<SgdOptions, 'learningRate'>>> = [
    { momentum: 0, nesterov: false, weightDecay: 0 },
    { momentum: 0.9, nesterov: false, weightDecay: 0 },
    { momentum: 0.9, nesterov: true, weightDecay: 0 },
    { momentum: 0.5, nesterov: true, weightDecay: 0.01 },
    { momentum: 0, nesterov: false, weightDecay: 0.1 },
  ];

  for (const options of cases) {
    it(`matches a float64 torch.optim.SGD over six steps (${JSON.stringify(options)})`, () => {
      const variables = createQuadraticVariables();
      const optimizer = createSgd({ learningRate: learningRates[0], ...options });
      for (const learningRate of learningRates) {
        optimizer.learningRate = learningRate;
        const loss = optimizer.minimize(() => quadraticLoss(variables), variables);
        loss.dispose();
      }
      expectClose(valuesOf(variables), referenceSgd(options, learningRates));
      optimizer.dispose();
      tf.dispose(variables);
    });
  }

  it('makes the hand-computed first steps', () => {
    // θ = 1, target 0, curvature 1: g = 1. Momentum 0.9: b₁ = 1 → θ = 0.9; g = 0.9, b₂ = 1.8 → θ = 0.72.
    const theta = tf.tidy(() => tf.variable(tf.scalar(1), true, 'sgd-test/theta'));
    const optimizer = createSgd({ learningRate: 0.1, momentum: 0.9 });
    const step = (): void => tf.dispose(optimizer.minimize(() => tf.tidy(() => tf.mul(tf.square(theta), 0.5) as tf.Scalar), [theta]));
    step();
    expect(theta.dataSync()[0]).toBeCloseTo(0.9, 6);
    step();
    expect(theta.dataSync()[0]).toBeCloseTo(0.72, 6);
    const state = optimizer.getState();
    expect(Object.keys(state).sort()).toEqual(['iterations', 'momentum/sgd-test/theta']);
    expect(state['momentum/sgd-test/theta'].dataSync()[0]).toBeCloseTo(1.8, 6);
    expect(state.iterations.dataSync()[0]).toBe(2);
    tf.dispose(state);
    optimizer.dispose();
    theta.dispose();
  });

  it('returns the loss before the update', () => {
    const variables = createQuadraticVariables();
    const optimizer = createSgd({ learningRate: 0.1 });
    const loss = optimizer.minimize(() => quadraticLoss(variables), variables);
    expect(loss.dataSync()[0]).toBeCloseTo(quadraticLossValue(quadratic.start), 5);
    loss.dispose();
    optimizer.dispose();
    tf.dispose(variables);
  });

  it('rejects out-of-range options', () => {
    expect(() => createSgd({ learningRate: -1 })).toThrow(InvalidArgumentError);
    expect(() => createSgd({ learningRate: 0.1, momentum: 1 })).toThrow(InvalidArgumentError);
    expect(() => createSgd({ learningRate: 0.1, nesterov: true })).toThrow(/Nesterov/);
    expect(() => createSgd({ learningRate: 0.1, weightDecay: -0.1 })).toThrow(InvalidArgumentError);
  });
});
