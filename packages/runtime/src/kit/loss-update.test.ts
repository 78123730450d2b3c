import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createFunctionModel } from '../models/function-model';
import { combineLosses } from '../training/combine-losses';
import { createOptimizer } from '../training/optimizer-options';
import { lossUpdate } from './loss-update';

describe('lossUpdate', () => {
  it('releases the tapped features of a function model (which keeps them past the gradient scope)', () => {
    const initial = tf.ones([2, 2]);
    const model = createFunctionModel({
      name: 'tapped',
      spec: { use: 'test:tapped' },
      inputShape: [2],
      outputShape: [2],
      variables: [{ name: 'kernel', initial }],
      layerNames: ['hidden'],
      forward: (inputs, { variables, tap }) => tf.relu(tap('hidden', tf.matMul(inputs as tf.Tensor2D, variables.kernel as tf.Tensor2D))),
    });
    initial.dispose();
    const loss = combineLosses([{ loss: { name: 'hidden', taps: { student: ['hidden'] }, compute: (context) => tf.mean(tf.square(context.features.hidden)) as tf.Scalar }, weight: 1 }]);
    const optimizer = createOptimizer({ type: 'sgd', learningRate: 0.1 });
    const inputs = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const position = { stage: 'test', epoch: 0, epochs: 1, batch: 0, batches: 1, globalStep: 0 };
    lossUpdate({ model, loss, optimizer, inputs, position });
    const before = tf.memory().numTensors;
    const metrics = lossUpdate({ model, loss, optimizer, inputs, position });
    expect(tf.memory().numTensors).toBe(before);
    expect(metrics.loss).toBeGreaterThan(0);
    tf.dispose(inputs);
    loss.dispose();
    optimizer.dispose();
    model.dispose();
  });

  it('leaks nothing when a loss throws inside the forward pass', () => {
    const initial = tf.ones([2, 2]);
    const model = createFunctionModel({
      name: 'throwing',
      spec: { use: 'test:throwing' },
      inputShape: [2],
      outputShape: [2],
      variables: [{ name: 'kernel', initial }],
      layerNames: ['hidden'],
      forward: (inputs, { variables, tap }) => tf.relu(tap('hidden', tf.matMul(inputs as tf.Tensor2D, variables.kernel as tf.Tensor2D))),
    });
    initial.dispose();
    const loss = combineLosses([
      {
        loss: {
          name: 'rejects',
          taps: { student: ['hidden'] },
          compute: (context) => {
            tf.mean(tf.square(context.features.hidden));
            throw new Error('labels out of range');
          },
        },
        weight: 1,
      },
    ]);
    const optimizer = createOptimizer({ type: 'adam', learningRate: 0.1 });
    const inputs = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const position = { stage: 'test', epoch: 0, epochs: 1, batch: 0, batches: 1, globalStep: 0 };
    const before = tf.memory().numTensors;
    expect(() => lossUpdate({ model, loss, optimizer, inputs, position })).toThrow(/labels out of range/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(inputs);
    loss.dispose();
    optimizer.dispose();
    model.dispose();
  });
});
