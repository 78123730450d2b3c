import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createQuadraticVariables, quadratic, quadraticLoss, valuesOf } from './__fixtures__/quadratic';
import { createAdam } from './adam';
import type { Optimizer } from './optimizer';
import { createSgd } from './sgd';

function restore(variables: tf.Variable[], values: number[][]): void {
  variables.forEach((variable, index) => tf.tidy(() => variable.assign(tf.tensor(values[index], variable.shape))));
}

function step(optimizer: Optimizer, variables: tf.Variable[]): void {
  tf.dispose(optimizer.minimize(() => quadraticLoss(variables), variables));
}

describe('optimiser state and contracts', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  const factories: Array<[string, () => Optimizer]> = [
    ['sgd', () => createSgd({ learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['adam', () => createAdam({ learningRate: 0.05, weightDecay: 0.01, decoupled: true })],
  ];

  for (const [name, create] of factories) {
    it(`${name}: getState → new optimiser → setState gives an identical next step`, () => {
      const variables = createQuadraticVariables();
      const original = create();
      for (let index = 0; index < 3; index += 1) step(original, variables);
      const state = original.getState();
      const checkpoint = valuesOf(variables);

      const resumed = create();
      resumed.setState(state);
      tf.dispose(state);

      step(original, variables);
      step(original, variables);
      const uninterrupted = valuesOf(variables);
      restore(variables, checkpoint);
      step(resumed, variables);
      step(resumed, variables);
      expect(valuesOf(variables)).toEqual(uninterrupted);
      const resumedState = resumed.getState();
      expect(resumedState.iterations.dataSync()[0]).toBe(5);
      tf.dispose(resumedState);

      original.dispose();
      resumed.dispose();
      tf.dispose(variables);
    });
  }

  it('releases the tensors of a forward pass that throws, and the next step is unaffected', () => {
    const variables = createQuadraticVariables();
    const optimizer = createSgd({ learningRate: 0.05, momentum: 0.9 });
    const start = tf.memory().numTensors;
    expect(() =>
      optimizer.minimize(() => {
        // Saved by the tape for the backward pass (tf.keep), then the loss rejects its input.
        const product = tf.mul(variables[0], variables[0]);
        tf.exp(product.sum());
        throw new Error('loss rejects its input');
      }, variables),
    ).toThrow(/loss rejects its input/);
    expect(tf.memory().numTensors).toBe(start);
    // The failed step changed nothing: its next step equals a fresh optimiser's first step.
    const initial = valuesOf(variables);
    step(optimizer, variables);
    const afterFailure = valuesOf(variables);
    restore(variables, initial);
    const fresh = createSgd({ learningRate: 0.05, momentum: 0.9 });
    step(fresh, variables);
    expect(afterFailure).toEqual(valuesOf(variables));
    optimizer.dispose();
    fresh.dispose();
    tf.dispose(variables);
  });

  it('getState returns copies the caller may dispose', () => {
    const variables = createQuadraticVariables();
    const optimizer = createSgd({ learningRate: 0.1, momentum: 0.9 });
    step(optimizer, variables);
    tf.dispose(optimizer.getState());
    step(optimizer, variables);
    const state = optimizer.getState();
    expect(Object.keys(state).sort()).toEqual(['iterations', 'momentum/quadratic/theta', 'momentum/quadratic/weights']);
    expect(state.iterations.dtype).toBe('int32');
    tf.dispose(state);
    optimizer.dispose();
    tf.dispose(variables);
  });

  it('leaves variables without a gradient untouched', () => {
    const variables = createQuadraticVariables();
    const unused = tf.tidy(() => tf.variable(tf.ones([2]), true, 'optimizer-test/unused'));
    const optimizer = createAdam({ learningRate: 0.1 });
    step(optimizer, variables);
    tf.dispose(optimizer.minimize(() => quadraticLoss(variables), [...variables, unused]));
    expect(Array.from(unused.dataSync())).toEqual([1, 1]);
    const state = optimizer.getState();
    expect(Object.keys(state).some((key) => key.endsWith('optimizer-test/unused'))).toBe(false);
    tf.dispose(state);
    optimizer.dispose();
    unused.dispose();
    tf.dispose(variables);
  });

  it('validates gradients, names, learning rates and state', () => {
    const variables = createQuadraticVariables();
    const optimizer = createAdam({ learningRate: 0.1 });
    const wrongShape = tf.zeros([4]);
    const vector = tf.zeros([3]);
    expect(() => optimizer.applyGradients(variables, [vector])).toThrow(/2 variables/);
    expect(() => optimizer.applyGradients([variables[0], variables[0]], [vector, vector])).toThrow(/named "quadratic\/theta"/);
    expect(() => optimizer.applyGradients([variables[0]], [wrongShape])).toThrow(InvalidArgumentError);
    expect(() => {
      optimizer.learningRate = Number.POSITIVE_INFINITY;
    }).toThrow(InvalidArgumentError);
    expect(optimizer.learningRate).toBe(0.1);

    const noIterations = { 'm/quadratic/theta': vector };
    expect(() => optimizer.setState(noIterations)).toThrow(/iterations/);
    const iterations = tf.scalar(3, 'int32');
    expect(() => optimizer.setState({ iterations, 'momentum/quadratic/theta': vector })).toThrow(/unexpected optimiser state key "momentum\/quadratic\/theta"/);
    expect(() => optimizer.setState({ iterations, 'm/': vector })).toThrow(InvalidArgumentError);

    // A slot restored from another model is caught at the next update, before anything changes.
    optimizer.setState({ iterations, 'm/quadratic/theta': wrongShape });
    expect(() => step(optimizer, variables)).toThrow(/belongs to another model/);
    expect(valuesOf(variables)).toEqual(quadratic.start.map((flat) => Array.from(new Float32Array(flat))));

    tf.dispose([wrongShape, vector, iterations]);
    optimizer.dispose();
    tf.dispose(variables);
  });
});
