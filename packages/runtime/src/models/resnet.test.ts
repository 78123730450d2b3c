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

  it('builds a pruned network from explicit channels and blocks, with FLOPs and parameters by hand count', () => {
    // TAS's xchannels: input, stem, then (conv1, conv2) of every block of the full depth-14 network.
    const channels = [1, 4, 3, 4, 2, 4, 6, 8, 5, 8, 12, 16, 10, 16];
    const model = createResNet({ depth: 14, channels, blocks: [1, 2, 1], inputShape: [8, 8, 1], numClasses: 3, seed: 2 });
    const names = model.layerNames();
    expect(names).toContain('stage2/block1/conv1');
    expect(names).not.toContain('stage1/block1/conv1');
    expect(names).not.toContain('stage3/block1/conv1');
    // Stage 1 keeps 4 → 4 channels: identity shortcut. Stage 2 strides: pool + 1×1 conv without BN.
    expect(names).not.toContain('stage1/block0/shortcut/conv');
    expect(names).toContain('stage2/block0/shortcut/conv');
    expect(names).not.toContain('stage2/block0/shortcut/bn');
    const weights = model.getWeights();
    expect(weights['stage1/block0/conv1/kernel'].shape).toEqual([3, 3, 4, 3]);
    expect(weights['stage2/block1/conv1/kernel'].shape).toEqual([3, 3, 8, 5]);
    expect(weights['stage3/block0/conv2/kernel'].shape).toEqual([3, 3, 12, 16]);
    expect(weights['logits/kernel'].shape).toEqual([16, 3]);
    // Per conv: positions · 3·3 · in · out (1·1 for shortcuts); dense: in · out + bias.
    const byHand =
      64 * 9 * 1 * 4 + // stem, 8×8
      64 * 9 * 4 * 3 + 64 * 9 * 3 * 4 + // stage 1, block 0
      16 * 9 * 4 * 6 + 16 * 9 * 6 * 8 + 16 * 4 * 8 + // stage 2, block 0 at 4×4 with its shortcut
      16 * 9 * 8 * 5 + 16 * 9 * 5 * 8 + // stage 2, block 1
      4 * 9 * 8 * 12 + 4 * 9 * 12 * 16 + 4 * 8 * 16 + // stage 3, block 0 at 2×2 with its shortcut
      16 * 3 + 3; // logits
    expect(byHand).toBe(49459);
    expect(model.countFlops()).toBe(byHand);
    // Trainable: conv kernels, BN γ and β, dense kernel and bias.
    const parameters = 36 + 8 + (108 + 6 + 108 + 8) + (216 + 12 + 432 + 16 + 32) + (360 + 10 + 360 + 16) + (864 + 24 + 1728 + 32 + 128) + 51;
    expect(model.summary().trainableParams).toBe(parameters);
    const output = tf.tidy(() => model.apply(tf.ones([2, 8, 8, 1])).shape);
    expect(output).toEqual([2, 3]);
    expect(model.spec).toMatchObject({ use: 'core:resnet', channels, blocks: [1, 2, 1] });
    model.dispose();
  });

  it('says what explicit channels and blocks must look like', () => {
    expect(() => createResNet({ depth: 14, channels: [1, 4, 4, 4, 4, 4, 4, 4], inputShape: [8, 8, 1], numClasses: 3 })).toThrow(/channels needs 14 numbers/);
    expect(() => createResNet({ depth: 14, blocks: [1, 3, 1], inputShape: [8, 8, 1], numClasses: 3 })).toThrow(/stage 2 of depth 14 has 2 blocks; cannot keep 3/);
    expect(() => createResNet({ depth: 8, channels: [3, 4, 4, 4, 8, 8, 16, 16], inputShape: [8, 8, 1], numClasses: 3 })).toThrow(/channels\[0\] is the input's channel count, 1/);
    expect(resnetOptions.safeParse({ depth: 14, blocks: [0, 1, 1] }).success).toBe(false);
  });
});

const FINGERPRINT_SEED_42 = 241.277186;
