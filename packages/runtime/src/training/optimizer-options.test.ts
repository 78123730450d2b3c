import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createOptimizer, optimizerOptions } from './optimizer-options';

describe('optimizerOptions and createOptimizer', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fills the documented defaults', () => {
    expect(optimizerOptions.parse({ type: 'sgd' })).toEqual({ type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    expect(optimizerOptions.parse({ type: 'adam' })).toEqual({
      type: 'adam',
      learningRate: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
      decoupled: false,
    });
  });

  it('rejects unknown keys, unknown types and out-of-range values', () => {
    expect(optimizerOptions.safeParse({ type: 'sgd', beta1: 0.9 }).success).toBe(false);
    expect(optimizerOptions.safeParse({ type: 'rmsprop' }).success).toBe(false);
    expect(optimizerOptions.safeParse({ type: 'sgd', momentum: 1 }).success).toBe(false);
    expect(() => createOptimizer({ type: 'adam', learningRate: -1 })).toThrow(InvalidArgumentError);
    expect(() => createOptimizer({ type: 'sgd', nesterov: true, momentum: 0 })).toThrow(/Nesterov/);
  });

  it('creates the configured optimiser', () => {
    const sgd = createOptimizer({ type: 'sgd', learningRate: 0.05 });
    expect(sgd.name).toBe('sgd');
    expect(sgd.learningRate).toBe(0.05);
    const adamw = createOptimizer({ type: 'adam', decoupled: true, weightDecay: 0.01 });
    expect(adamw.name).toBe('adamw');
    expect(adamw.learningRate).toBe(1e-3);
    sgd.dispose();
    adamw.dispose();
  });
});
