import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createMlp, mlpOptions } from './mlp';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

describe('createMlp', () => {
  it('flattens the input and names the penultimate layer features', () => {
    const model = createMlp({ hidden: [8, 6], dropout: 0.5, inputShape: [3, 4], numClasses: 5, seed: 3 });
    expect(model.layerNames()).toEqual(['flatten', 'hidden1', 'dropout1', 'features', 'dropout2', 'logits']);
    expect(model.outputShape).toEqual([5]);
    // 12·8+8, 8·6+6, 6·5+5
    expect(model.countParams()).toBe(104 + 54 + 35);
    expect(model.countFlops()).toBe(104 + 54 + 35);
    expect(model.spec).toEqual({ use: 'core:mlp', hidden: [8, 6], activation: 'relu', dropout: 0.5, inputShape: [3, 4], numClasses: 5, name: 'mlp', seed: 3 });

    const inputs = tf.ones([2, 3, 4]);
    const { output, features } = model.applyWithTaps(inputs, ['features'], { training: true });
    expect(output.shape).toEqual([2, 5]);
    expect(features.features.shape).toEqual([2, 6]);
    tf.dispose([inputs, output, features.features]);
    model.dispose();
  });

  it('is a linear classifier without hidden layers', () => {
    const model = createMlp({ hidden: [], inputShape: [4], numClasses: 2, seed: 1 });
    expect(model.layerNames()).toEqual(['logits']);
    model.dispose();
  });

  it('fills defaults and rejects unknown options', () => {
    expect(mlpOptions.parse({})).toEqual({ hidden: [256], activation: 'relu', dropout: 0 });
    expect(() => createMlp({ inputShape: [4], numClasses: 2, hiden: [3] } as never)).toThrow(InvalidArgumentError);
    expect(() => createMlp({ inputShape: [4], numClasses: 2, dropout: 1 })).toThrow(/dropout/);
  });
});
