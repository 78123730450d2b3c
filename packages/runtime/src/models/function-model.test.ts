import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRng } from '../rng';
import { CheckpointError } from '../errors';
import { createFunctionModel } from './function-model';

let before = 0;
beforeEach(() => {
  before = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(before);
});

function createScaler() {
  const initial = { weight: tf.tensor1d([2]), logits: tf.tensor1d([0, 0]), count: tf.scalar(0) };
  const model = createFunctionModel({
    name: 'scaler',
    spec: { use: 'test:scaler' },
    inputShape: [1],
    outputShape: [1],
    variables: [
      { name: 'scale/weight', initial: initial.weight },
      { name: 'arch/logits', initial: initial.logits, group: 'architecture' },
      { name: 'calls', initial: initial.count, trainable: false },
    ],
    layerNames: ['scaled'],
    forward(inputs, { variables, options, tap }) {
      const scaled = tap('scaled', tf.mul(inputs as tf.Tensor, variables['scale/weight']));
      const factor = (options.factor as number | undefined) ?? 1;
      const noise = options.rng ? options.rng.next() : 0;
      return tf.add(tf.mul(scaled, factor), noise);
    },
    countFlops: () => 1,
  });
  tf.dispose(Object.values(initial));
  return model;
}

describe('createFunctionModel', () => {
  it('runs the forward function with the apply options, taps, groups and stable names', () => {
    const model = createScaler();
    const inputs = tf.tensor2d([[1], [3]]);
    expect(tf.tidy(() => model.apply(inputs, { factor: 10 }).arraySync())).toEqual([[20], [60]]);
    // The generator in the options is the forward pass's randomness: the same state gives the same output.
    const first = tf.tidy(() => model.apply(inputs, { rng: createRng(4) }).arraySync());
    expect(tf.tidy(() => model.apply(inputs, { rng: createRng(4) }).arraySync())).toEqual(first);
    const { output, features } = model.applyWithTaps(inputs, ['scaled']);
    expect(features.scaled.arraySync()).toEqual([[2], [6]]);
    tf.dispose([output, features.scaled]);
    expect(() => model.applyWithTaps(inputs, ['nope'])).toThrow(/unknown layer "nope" in model "scaler". Layers: scaled/);
    expect(model.variables().map(({ name, group, trainable }) => [name, group, trainable])).toEqual([
      ['scale/weight', 'weights', true],
      ['arch/logits', 'architecture', true],
      ['calls', 'weights', false],
    ]);
    expect(model.trainableVariables('architecture')).toHaveLength(1);
    expect(model.trainableVariables()).toHaveLength(2);
    expect(model.nonTrainableVariables()).toHaveLength(1);
    expect(model.countParams()).toBe(4);
    expect(model.summary()).toMatchObject({ params: 4, trainableParams: 3, flops: 1 });
    expect(model.toLayersModel()).toBeUndefined();
    inputs.dispose();
    model.dispose();
  });

  it('checks weights by name and shape before assigning any', () => {
    const model = createScaler();
    const good = { 'scale/weight': tf.tensor1d([5]), 'arch/logits': tf.tensor1d([1, 2]), calls: tf.scalar(3) };
    model.setWeights(good);
    expect(model.getWeights()['arch/logits'].arraySync()).toEqual([1, 2]);
    const wrong = { 'scale/weight': tf.tensor1d([7, 7]), 'arch/logits': tf.tensor1d([9, 9]) };
    let error: unknown;
    try {
      model.setWeights(wrong);
    } catch (caught) {
      error = caught;
    }
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/missing: calls\. mis-shaped: scale\/weight \(expected \[1\], got \[2\]\)/);
    expect(model.getWeights()['arch/logits'].arraySync()).toEqual([1, 2]);
    tf.dispose([...Object.values(good), ...Object.values(wrong)]);
    model.dispose();
  });

  it('refuses two variables with one name', () => {
    const initial = tf.scalar(1);
    expect(() =>
      createFunctionModel({
        name: 'twice',
        spec: { use: 'test:twice' },
        inputShape: [1],
        outputShape: [1],
        variables: [
          { name: 'w', initial },
          { name: 'w', initial },
        ],
        forward: (inputs) => inputs as tf.Tensor,
      }),
    ).toThrow(/two variables named "w"/);
    initial.dispose();
  });
});
