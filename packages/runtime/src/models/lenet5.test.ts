import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { createLeNet5, lenet5Options } from './lenet5';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

describe('createLeNet5', () => {
  it('builds the classic layer stack', () => {
    const model = createLeNet5({ inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    expect(model.layerNames()).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'dense1', 'features', 'logits']);
    expect(model.countParams()).toBe(61_706);
    const inputs = tf.zeros([2, 28, 28, 1]);
    const { output, features } = model.applyWithTaps(inputs, ['conv2', 'features']);
    expect(output.shape).toEqual([2, 10]);
    expect(features.conv2.shape).toEqual([2, 10, 10, 16]);
    expect(features.features.shape).toEqual([2, 84]);
    tf.dispose([inputs, output, ...Object.values(features)]);
    model.dispose();
  });

  it('scales channels and units with width (the half-width distillation student)', () => {
    const model = createLeNet5({ inputShape: [28, 28, 1], numClasses: 10, width: 0.5, pooling: 'avg', seed: 1 });
    const weights = model.getWeights();
    expect(weights['conv1/kernel'].shape).toEqual([5, 5, 1, 3]);
    expect(weights['conv2/kernel'].shape).toEqual([5, 5, 3, 8]);
    expect(weights['dense1/kernel'].shape).toEqual([200, 60]);
    expect(weights['features/kernel'].shape).toEqual([60, 42]);
    expect(weights['logits/kernel'].shape).toEqual([42, 10]);
    expect(model.toLayersModel()?.getLayer('pool1').getClassName()).toBe('AveragePooling2D');
    model.dispose();
  });

  it('validates options and the input shape', () => {
    expect(lenet5Options.parse({})).toEqual({ width: 1, activation: 'relu', pooling: 'max' });
    expect(() => createLeNet5({ inputShape: [28, 28, 1], numClasses: 10, pooling: 'min' as never })).toThrow(/pooling/);
    expect(() => createLeNet5({ inputShape: [8, 8, 1], numClasses: 10 })).toThrow(InvalidArgumentError);
    expect(() => createLeNet5({ inputShape: [784], numClasses: 10 })).toThrow(/height, width, channels/);
  });
});
