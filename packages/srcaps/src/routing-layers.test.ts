import * as tf from '@tensorflow/tfjs';
import { createRegistry, InvalidArgumentError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose, randomArray } from './__fixtures__/reference';
import { ClassLogProbabilities, DynamicRouting2d, EmRouting2d, plugin, registerLayers, SelfRouting2d, Squash } from './index';
import { selfRouting2d } from './self-routing';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('SelfRouting2d', () => {
  it('computes selfRouting2d with its own weights: zero routing, Kaiming-uniform poses', () => {
    const layer = new SelfRouting2d({ capsules: 3, poseSize: 2, kernelSize: 3, stride: 2, padding: 1, seed: 4 });
    const activations = tf.tensor4d(randomArray(2 * 5 * 5 * 2, 1, 0, 1), [2, 5, 5, 2]);
    const poses = tf.tensor4d(randomArray(2 * 5 * 5 * 4, 2), [2, 5, 5, 4]);
    const [outActivations, outPoses] = layer.apply([activations, poses]) as tf.Tensor[];
    expect(outActivations.shape).toEqual([2, 3, 3, 3]);
    expect(outPoses.shape).toEqual([2, 3, 3, 6]);
    const [pose, route, routeBias] = layer.getWeights();
    expect(pose.shape).toEqual([18, 6, 2]);
    expect(Array.from(route.dataSync()).every((value) => value === 0)).toBe(true);
    expect(Math.max(...Array.from(pose.dataSync()).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 12));
    const expected = selfRouting2d({ activations, poses }, { pose: pose as tf.Tensor3D, route: route as tf.Tensor3D, routeBias: routeBias as tf.Tensor2D }, { kernelSize: 3, stride: 2, padding: 1 });
    expectClose(outPoses.dataSync(), expected.poses!.dataSync(), 1e-6);
    tf.dispose([activations, poses, outActivations, outPoses, expected.activations, expected.poses!]);
    layer.dispose();
  });

  it('refuses a class layer whose kernel does not cover the remaining grid, and inputs that do not fit', () => {
    const activations = tf.input({ shape: [4, 4, 2] });
    const poses = tf.input({ shape: [4, 4, 6] });
    const classError = errorOf(() => new SelfRouting2d({ capsules: 3, poseSize: 0, kernelSize: 3 }).apply([activations, poses]));
    expect(InvalidArgumentError.isInstance(classError)).toBe(true);
    expect(classError.message).toContain('needs a kernel covering the whole 4×4 grid with padding 0');
    const wrongPoses = tf.input({ shape: [4, 4, 7] });
    expect(errorOf(() => new SelfRouting2d({ capsules: 3, poseSize: 2 }).apply([activations, wrongPoses])).message).toMatch(/poses \[b, 4, 4, 7\] do not fit activations \[b, 4, 4, 2\]/);
    expect(errorOf(() => new SelfRouting2d({ capsules: 0, poseSize: 2 })).message).toMatch(/capsules must be a positive integer/);
  });

  it('writes every option into its config and reads it back', () => {
    const layer = new SelfRouting2d({ capsules: 3, poseSize: 2, kernelSize: 3, stride: 2, padding: 1, seed: 4, name: 'caps' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ capsules: 3, poseSize: 2, kernelSize: 3, stride: 2, padding: 1, seed: 4 });
    const copy = SelfRouting2d.fromConfig(SelfRouting2d, config) as SelfRouting2d;
    expect(copy.getConfig()).toEqual(config);
    for (const [Layer, args] of [
      [DynamicRouting2d, { inputCapsules: 2, capsules: 3, poseSize: 4, iterations: 2 }],
      [EmRouting2d, { capsules: 3, iterations: 2, finalLambda: 0.02 }],
      [Squash, { capsuleSize: 4 }],
      [ClassLogProbabilities, { capsuleSize: 2, normalize: true }],
    ] as const) {
      const instance = new (Layer as unknown as new (args: object) => tf.layers.Layer)(args);
      expect(instance.getConfig()).toMatchObject(args);
    }
  });
});

describe('plugin', () => {
  it('registers its layers under srcaps.* idempotently, for plain tf.loadLayersModel', () => {
    registerLayers();
    registerLayers();
    createRegistry().use(plugin);
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const name of ['srcaps.SelfRouting2d', 'srcaps.DynamicRouting2d', 'srcaps.EmRouting2d', 'srcaps.Squash', 'srcaps.ClassLogProbabilities']) {
      expect(registered[name]).toBeDefined();
    }
    expect(plugin.meta).toMatchObject({ name: 'srcaps', runtime: '>=0.1.0 <1.0.0' });
  });
});
