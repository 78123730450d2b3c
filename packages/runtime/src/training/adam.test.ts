import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createQuadraticVariables, quadratic, quadraticGradient, quadraticLoss, valuesOf } from './__fixtures__/quadratic';
import { createAdam, type AdamOptions } from './adam';

type ReferenceOptions = Required<Omit<AdamOptions, 'learningRate'>>;

/** Float64 reference of torch.optim.Adam / AdamW on the quadratic. */
function referenceAdam(options: ReferenceOptions, learningRates: number[]): number[][] {
  const values = quadratic.start.map((flat) => [...flat]);
  const first = values.map((flat) => flat.map(() => 0));
  const second = values.map((flat) => flat.map(() => 0));
  learningRates.forEach((learningRate, stepIndex) => {
    const step = stepIndex + 1;
    const gradients = quadraticGradient(values);
    values.forEach((flat, variable) =>
      flat.forEach((value, index) => {
        let parameter = value;
        let gradient = gradients[variable][index];
        if (options.decoupled) parameter *= 1 - learningRate * options.weightDecay;
        else gradient += options.weightDecay * value;
        first[variable][index] = options.beta1 * first[variable][index] + (1 - options.beta1) * gradient;
        second[variable][index] = options.beta2 * second[variable][index] + (1 - options.beta2) * gradient * gradient;
        const denominator = Math.sqrt(second[variable][index]) / Math.sqrt(1 - options.beta2 ** step) + options.epsilon;
        flat[index] = parameter - (learningRate / (1 - options.beta1 ** step)) * (first[variable][index] / denominator);
      }),
    );
  });
  return values;
}

describe('createAdam', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  const learningRates = [0.05, 0.05, 0.1, 0.02, 0.05, 0.01];
  const defaults: ReferenceOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: false };
  const cases: ReferenceOptions[] = [
    defaults,
    { ...defaults, weightDecay: 0.1 },
    { ...defaults, weightDecay: 0.1, decoupled: true },
    { beta1: 0.5, beta2: 0.9, epsilon: 1e-3, weightDecay: 0, decoupled: false },
  ];

  for (const options of cases) {
    it(`matches a float64 torch Adam over six steps (${JSON.stringify(options)})`, () => {
      const variables = createQuadraticVariables();
      const optimizer = createAdam({ learningRate: learningRates[0], ...options });
      expect(optimizer.name).toBe(options.decoupled ? 'adamw' : 'adam');
      for (const learningRate of learningRates) {
        optimizer.learningRate = learningRate;
        tf.dispose(optimizer.minimize(() => quadraticLoss(variables), variables));
      }
      const expected = referenceAdam(options, learningRates).flat();
      valuesOf(variables)
        .flat()
        .forEach((value, index) => expect(value).toBeCloseTo(expected[index], 5));
      optimizer.dispose();
      tf.dispose(variables);
    });
  }

  it('moves every coordinate by about the learning rate at the first step', () => {
    // With bias correction, step 1 is lr · g / (|g| + ε′) = lr · sign(g) for |g| ≫ ε.
    const variables = createQuadraticVariables();
    const optimizer = createAdam({ learningRate: 0.01 });
    tf.dispose(optimizer.minimize(() => quadraticLoss(variables), variables));
    const gradients = quadraticGradient(quadratic.start).flat();
    valuesOf(variables)
      .flat()
      .forEach((value, index) => {
        const gradient = gradients[index];
        expect(value).toBeCloseTo(quadratic.start.flat()[index] - (gradient === 0 ? 0 : 0.01 * Math.sign(gradient)), 6);
      });
    const state = optimizer.getState();
    expect(Object.keys(state).sort()).toEqual(['iterations', 'm/quadratic/theta', 'm/quadratic/weights', 'v/quadratic/theta', 'v/quadratic/weights']);
    expect(state['m/quadratic/weights'].shape).toEqual([2, 2]);
    tf.dispose(state);
    optimizer.dispose();
    tf.dispose(variables);
  });

  it('rejects out-of-range options', () => {
    expect(() => createAdam({ learningRate: 0.1, beta1: 1 })).toThrow(InvalidArgumentError);
    expect(() => createAdam({ learningRate: 0.1, beta2: -0.1 })).toThrow(InvalidArgumentError);
    expect(() => createAdam({ learningRate: 0.1, epsilon: 0 })).toThrow(InvalidArgumentError);
    expect(() => createAdam({ learningRate: Number.NaN })).toThrow(InvalidArgumentError);
  });
});
