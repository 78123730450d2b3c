import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLeNet5 } from './lenet5';
import { createResNet, resnetOptions } from './resnet';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

/** Sum of |w| over every weight: a compact fingerprint of the initial values. */
function fingerprint(weights: tf.NamedTensorMap): number {
  return tf.tidy(() => Object.values(weights).reduce((sum, tensor) => sum + (tf.sum(tf.abs(tensor)).arraySync() as number), 0));
}

describe('createResNet', () => {
  it('names stems, blocks and stage outputs', () => {
    const model = createResNet({ depth: 8, width: 4, inputShape: [8, 8, 3], numClasses: 3, seed: 1 });
    expect(model.name).toBe('resnet8');
    expect(model.layerNames()).toEqual([
      'stem/conv', 'stem/bn', 'stem/relu',
      'stage1/block0/conv1', 'stage1/block0/bn1', 'stage1/block0/relu1', 'stage1/block0/conv2', 'stage1/block0/bn2', 'stage1/block0/add', 'stage1',
      'stage2/block0/conv1', 'stage2/block0/bn1', 'stage2/block0/relu1', 'stage2/block0/conv2', 'stage2/block0/shortcut/pool', 'stage2/block0/bn2', 'stage2/block0/shortcut/conv', 'stage2/block0/add', 'stage2',
      'stage3/block0/conv1', 'stage3/block0/bn1', 'stage3/block0/relu1', 'stage3/block0/conv2', 'stage3/block0/shortcut/pool', 'stage3/block0/bn2', 'stage3/block0/shortcut/conv', 'stage3/block0/add', 'stage3',
      'features', 'logits',
    ]);
    expect(new Set(model.layerNames()).size).toBe(model.layerNames().length);
    expect(model.getWeights()['stage2/block0/shortcut/conv/kernel'].shape).toEqual([1, 1, 4, 8]);

    const inputs = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
    const { output, features } = model.applyWithTaps(inputs, ['stage1', 'stage2', 'stage3', 'features']);
    expect(output.shape).toEqual([2, 3]);
    expect(features.stage1.shape).toEqual([2, 8, 8, 4]);
    expect(features.stage2.shape).toEqual([2, 4, 4, 8]);
    expect(features.stage3.shape).toEqual([2, 2, 2, 16]);
    expect(features.features.shape).toEqual([2, 16]);
    tf.dispose([inputs, output, ...Object.values(features)]);
    model.dispose();
  });

  it('accepts odd input sizes (28×28 grey images)', () => {
    const model = createResNet({ depth: 8, width: 2, inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    const inputs = tf.zeros([1, 28, 28, 1]);
    const { output, features } = model.applyWithTaps(inputs, ['stage3']);
    expect(features.stage3.shape).toEqual([1, 7, 7, 8]);
    expect(output.shape).toEqual([1, 10]);
    tf.dispose([inputs, output, features.stage3]);
    model.dispose();
  });

  it('gives identical weights for the same seed, whatever was built before', () => {
    const first = createResNet({ depth: 8, width: 2, inputShape: [8, 8, 1], numClasses: 2, seed: 42 });
    // Building other models advances tfjs's global name counters; the weights must not depend on them.
    const unrelated = createLeNet5({ inputShape: [12, 12, 1], numClasses: 2, seed: 1 });
    const second = createResNet({ depth: 8, width: 2, inputShape: [8, 8, 1], numClasses: 2, seed: 42 });
    const other = createResNet({ depth: 8, width: 2, inputShape: [8, 8, 1], numClasses: 2, seed: 43 });

    const firstWeights = first.getWeights();
    const secondWeights = second.getWeights();
    expect(Object.keys(secondWeights)).toEqual(Object.keys(firstWeights));
    for (const key of Object.keys(firstWeights)) {
      expect(secondWeights[key].arraySync(), key).toEqual(firstWeights[key].arraySync());
    }
    expect(other.getWeights()['stem/conv/kernel'].arraySync()).not.toEqual(firstWeights['stem/conv/kernel'].arraySync());
    // Pinned value: the same seed must give these weights in every process and on every machine.
    expect(fingerprint(firstWeights)).toBeCloseTo(FINGERPRINT_SEED_42, 3);

    for (const model of [first, unrelated, second, other]) model.dispose();
  });

  it('validates depth', () => {
    expect(resnetOptions.parse({})).toEqual({ depth: 20, width: 16 });
    expect(resnetOptions.safeParse({ depth: 21 }).success).toBe(false);
    expect(() => createResNet({ depth: 21, inputShape: [8, 8, 3], numClasses: 2 })).toThrow(/6n \+ 2/);
  });
});

const FINGERPRINT_SEED_42 = 241.277186;
