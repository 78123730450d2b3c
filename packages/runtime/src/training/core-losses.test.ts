import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComponentContext, LossContext } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { coreLossDefinitions, crossEntropy, kd, softTargets } from './core-losses';

// The built-in losses use nothing of the component context.
const componentContext = {} as ComponentContext;

function lossContext(fields: Partial<LossContext> & Pick<LossContext, 'outputs'>): LossContext {
  return { inputs: fields.outputs, features: {}, teacherFeatures: {}, tensors: {}, epoch: 0, step: 0, ...fields } as LossContext;
}

describe('core loss definitions', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('registers cross-entropy, kd and soft-targets', () => {
    expect(Object.keys(coreLossDefinitions).sort()).toEqual(['cross-entropy', 'kd', 'soft-targets']);
    expect(coreLossDefinitions['soft-targets']).toBe(softTargets);
    expect(coreLossDefinitions['cross-entropy']).toBe(crossEntropy);
    expect(coreLossDefinitions.kd).toBe(kd);
  });

  it('fills defaults and rejects unknown keys', () => {
    expect(crossEntropy.options.parse({})).toEqual({ labelSmoothing: 0 });
    expect(kd.options.parse({})).toEqual({ temperature: 4 });
    expect(kd.options.safeParse({ temperature: 4, weight: 0.5 }).success).toBe(false);
    expect(kd.options.safeParse({ temperature: 0 }).success).toBe(false);
    expect(crossEntropy.options.safeParse({ labelSmoothing: 2 }).success).toBe(false);
  });

  it('computes cross-entropy from the context (ln 2 for equal logits)', () => {
    const loss = crossEntropy.create(crossEntropy.options.parse({}), componentContext);
    expect(loss.name).toBe('cross-entropy');
    expect(loss.needs).toEqual({ labels: true });
    const value = tf.tidy(() => loss.compute(lossContext({ outputs: tf.zeros([2, 2]), labels: tf.tensor1d([0, 1], 'int32') })).arraySync());
    expect(value).toBeCloseTo(Math.LN2, 6);
  });

  it('computes kd from the teacher outputs (T² · ½ ln(4/3) at T = 2)', () => {
    const loss = kd.create(kd.options.parse({ temperature: 2 }), componentContext);
    expect(loss.name).toBe('kd');
    expect(loss.needs).toEqual({ teacher: true });
    const value = tf.tidy(() =>
      loss.compute(lossContext({ outputs: tf.tensor2d([[0, 2 * Math.log(3)]]), teacherOutputs: tf.tensor2d([[0, 0]]) })).arraySync(),
    );
    expect(value).toBeCloseTo(2 * Math.log(4 / 3), 5);
  });

  it('computes soft-targets as KL(targets ‖ softmax(outputs)), ignoring zero targets', () => {
    const loss = softTargets.create(softTargets.options.parse({}), componentContext);
    expect(loss.needs).toEqual({ targets: true });
    // Row 1: targets (1, 0) vs softmax(0, 0) = (½, ½): KL = ln 2. Row 2: equal distributions: 0.
    const value = tf.tidy(() =>
      loss
        .compute(lossContext({ outputs: tf.tensor2d([[0, 0], [Math.log(3), 0]]), targets: tf.tensor2d([[1, 0], [0.75, 0.25]]) }))
        .arraySync(),
    );
    expect(value).toBeCloseTo(Math.LN2 / 2, 6);
    expect(() => tf.tidy(() => loss.compute(lossContext({ outputs: tf.zeros([1, 2]) })))).toThrow(/soft targets/);
  });

  it('says what is missing from the context', () => {
    const crossEntropyLoss = crossEntropy.create({ labelSmoothing: 0 }, componentContext);
    const kdLoss = kd.create({ temperature: 4 }, componentContext);
    const outputs = tf.zeros([2, 3]);
    const images = tf.zeros([2, 4, 4, 1]);
    const argumentOf = (run: () => unknown): string | undefined => {
      try {
        run();
      } catch (error) {
        return InvalidArgumentError.isInstance(error) ? error.argument : 'other';
      }
      return undefined;
    };
    expect(argumentOf(() => crossEntropyLoss.compute(lossContext({ outputs })))).toBe('labels');
    expect(argumentOf(() => kdLoss.compute(lossContext({ outputs })))).toBe('teacherOutputs');
    expect(argumentOf(() => kdLoss.compute(lossContext({ outputs: images, teacherOutputs: outputs })))).toBe('outputs');
    tf.dispose([outputs, images]);
  });
});
