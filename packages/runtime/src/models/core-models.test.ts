import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelDefinition } from '../contracts';
import { createRng } from '../rng';
import { coreModelDefinitions } from './core-models';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

type Context = Parameters<ModelDefinition['create']>[1];

function createContext(seed: number, use: string, inputShape: readonly number[] = [12, 12, 1]): Context {
  return {
    spec: { use },
    tf,
    rng: createRng(seed),
    logger: { info: () => {}, warn: () => {} },
    backend: 'cpu',
    createModel: () => {
      throw new Error('not used');
    },
    inputShape,
    numClasses: 3,
    name: 'student',
  };
}

describe('coreModelDefinitions', () => {
  it('takes shapes, name and seed from the context when the options leave them out', () => {
    const definition = coreModelDefinitions.lenet5;
    const options = definition.options.parse({ width: 0.5 });
    const first = definition.create(options, createContext(7, 'core:lenet5'));
    const second = definition.create(options, createContext(7, 'core:lenet5'));
    expect(first.name).toBe('student');
    expect(first.inputShape).toEqual([12, 12, 1]);
    expect(first.outputShape).toEqual([3]);
    expect(first.spec).toMatchObject({ use: 'core:lenet5', width: 0.5, inputShape: [12, 12, 1], numClasses: 3, name: 'student' });
    // The context's generator fixed the seed, so the same run seed rebuilds the same weights.
    expect(first.spec.seed).toBe(second.spec.seed);
    expect(second.getWeights()['conv1/kernel'].arraySync()).toEqual(first.getWeights()['conv1/kernel'].arraySync());
    first.dispose();
    second.dispose();
  });

  it('prefers explicit options, and its spec rebuilds the same model', () => {
    const definition = coreModelDefinitions.resnet;
    const options = definition.options.parse({ depth: 8, width: 2, inputShape: [8, 8, 3], numClasses: 4, name: 'teacher', seed: 5 });
    const model = definition.create(options, createContext(1, 'core:resnet'));
    expect(model.name).toBe('teacher');
    expect(model.outputShape).toEqual([4]);
    expect(model.spec).toEqual({ use: 'core:resnet', depth: 8, width: 2, inputShape: [8, 8, 3], numClasses: 4, name: 'teacher', seed: 5 });

    const { use, ...specOptions } = model.spec;
    expect(use).toBe('core:resnet');
    const rebuilt = definition.create(definition.options.parse(specOptions), createContext(2, 'core:resnet'));
    expect(rebuilt.getWeights()['stem/conv/kernel'].arraySync()).toEqual(model.getWeights()['stem/conv/kernel'].arraySync());
    model.dispose();
    rebuilt.dispose();
  });

  it('builds an MLP over any input rank', () => {
    const definition = coreModelDefinitions.mlp;
    const model = definition.create(definition.options.parse({ hidden: [4] }), createContext(3, 'other:mlp', [2, 3]));
    expect(model.countParams()).toBe(6 * 4 + 4 + 4 * 3 + 3);
    // A definition registered under another key records that key.
    expect(model.spec.use).toBe('other:mlp');
    model.dispose();
  });
});
