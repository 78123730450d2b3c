import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Loss, LossContext } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { combineLosses } from './combine-losses';
import { createSgd } from './sgd';

/** A loss returning `factor · mean(outputs)`, with optional taps and variables. */
function meanLoss(name: string, factor: number, extra: Partial<Loss> = {}): Loss {
  return { name, compute: (context) => tf.tidy(() => tf.mul(tf.mean(context.outputs), factor) as tf.Scalar), ...extra };
}

function contextOf(outputs: tf.Tensor): LossContext {
  return { inputs: outputs, outputs, features: {}, teacherFeatures: {}, tensors: {}, epoch: 0, step: 0 };
}

describe('combineLosses', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns the weighted sum and each unweighted part', () => {
    const combined = combineLosses([
      { loss: meanLoss('a', 1), weight: 0.25 },
      { loss: meanLoss('b', 3), weight: 2 },
      { loss: meanLoss('a', -1), weight: 1 },
    ]);
    const outputs = tf.tensor2d([
      [1, 2],
      [3, 6],
    ]); // mean 3
    const { total, parts } = combined.compute(contextOf(outputs));
    // 0.25·3 + 2·9 + 1·(−3) = 15.75
    expect(total.arraySync()).toBeCloseTo(15.75, 5);
    expect(Object.keys(parts)).toEqual(['a', 'b', 'a_2']);
    expect(parts.a.arraySync()).toBeCloseTo(3, 6);
    expect(parts.b.arraySync()).toBeCloseTo(9, 6);
    expect(parts.a_2.arraySync()).toBeCloseTo(-3, 6);
    tf.dispose([outputs, total, parts]);
  });

  it('unites taps, needs and variables, and disposes terms', () => {
    const regressor = tf.tidy(() => tf.variable(tf.zeros([2]), true, 'combine-losses-test/regressor'));
    let disposed = 0;
    const combined = combineLosses([
      { loss: meanLoss('a', 1, { taps: { student: ['conv1', 'conv2'] } }), weight: 1 },
      {
        loss: meanLoss('b', 1, { taps: { student: ['conv2'], teacher: ['block1'] }, needs: { teacher: true, tensors: ['noise'] }, variables: () => [regressor], dispose: () => (disposed += 1) }),
        weight: 1,
      },
      { loss: meanLoss('c', 1, { needs: { labels: true, tensors: ['noise', 'samples'] } }), weight: 1 },
    ]);
    expect(combined.taps).toEqual({ student: ['conv1', 'conv2'], teacher: ['block1'] });
    expect(combined.needs).toEqual({ teacher: true, teacherGradient: false, labels: true, targets: false, tensors: ['noise', 'samples'] });
    expect(combined.variables()).toEqual([regressor]);
    combined.dispose();
    expect(disposed).toBe(1);
    expect(combineLosses([{ loss: meanLoss('a', 1), weight: 1 }]).needs.teacher).toBe(false);
    // A loss written for the earlier contract is refused with the migration, not silently left without its teacher.
    expect(() => combineLosses([{ loss: { ...meanLoss('old', 1), needsTeacher: true } as Loss, weight: 1 }])).toThrow(/declares needsTeacher, which this runtime replaced with needs: \{ teacher: true \}/);
    // Gradient through the teacher implies reading it.
    expect(combineLosses([{ loss: meanLoss('a', 1, { needs: { teacherGradient: true } }), weight: 1 }]).needs).toMatchObject({ teacher: true, teacherGradient: true });
    regressor.dispose();
  });

  it('keeps the parts alive through an optimiser step', () => {
    const weights = tf.tidy(() => tf.variable(tf.tensor1d([1, 2]), true, 'combine-losses-test/weights'));
    const combined = combineLosses([
      { loss: meanLoss('a', 1), weight: 1 },
      { loss: meanLoss('b', 2), weight: 0.5 },
    ]);
    const optimizer = createSgd({ learningRate: 0.1 });
    let parts: Record<string, tf.Scalar> = {};
    const total = optimizer.minimize(() => {
      const value = combined.compute(contextOf(tf.mul(weights, 2)));
      parts = value.parts;
      return value.total;
    }, [weights]);
    // outputs = 2·[1, 2] → mean 3; a = 3, b = 6; total = 3 + 3 = 6; d total / d weights = 2·(1 + 1)/2 = 2.
    expect(total.arraySync()).toBeCloseTo(6, 6);
    expect(parts.a.arraySync()).toBeCloseTo(3, 6);
    expect(parts.b.arraySync()).toBeCloseTo(6, 6);
    expect(Array.from(weights.dataSync())).toEqual([expect.closeTo(0.8, 6), expect.closeTo(1.8, 6)]);
    tf.dispose([total, parts]);
    optimizer.dispose();
    weights.dispose();
  });

  it('rejects empty lists, non-finite weights and non-scalar losses', () => {
    expect(() => combineLosses([])).toThrow(InvalidArgumentError);
    expect(() => combineLosses([{ loss: meanLoss('a', 1), weight: Number.NaN }])).toThrow(/finite/);
    const vectorLoss: Loss = { name: 'vector', compute: (context) => tf.clone(context.outputs) as unknown as tf.Scalar };
    const combined = combineLosses([
      { loss: meanLoss('a', 1), weight: 1 },
      { loss: vectorLoss, weight: 1 },
    ]);
    const outputs = tf.zeros([2]);
    expect(() => combined.compute(contextOf(outputs))).toThrow(/scalar/);
    outputs.dispose();
  });
});
