import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { createTestComponentContext, createTestLossContext } from './__fixtures__/contexts';
import { expectNoLeak, randomMatrix } from './__fixtures__/reference';
import { attentionLossDefinition } from './attention-loss-definition';
import { attentionTransferLoss } from './attention-transfer-loss';
import { hintLossDefinition } from './hint-loss-definition';
import { angleLossDefinition, distanceLossDefinition } from './relational-loss-definitions';
import { rkdAngleLoss } from './rkd-angle-loss';
import { rkdDistanceLoss } from './rkd-distance-loss';
import { tripletLoss } from './triplet-loss';
import { tripletLossDefinition } from './triplet-loss-definition';

describe('option schemas', () => {
  it('fill defaults and reject unknown keys', () => {
    expect(distanceLossDefinition.options.parse({})).toEqual({ student: 'features', teacher: 'features', l2normalizeTeacher: false });
    expect(angleLossDefinition.options.safeParse({ studnet: 'x' }).success).toBe(false);
    expect(attentionLossDefinition.options.safeParse({ pairs: [] }).success).toBe(false);
    expect(attentionLossDefinition.options.safeParse({ pairs: [{ student: 'a', teacher: 'b', extra: 1 }] }).success).toBe(false);
    expect(hintLossDefinition.options.safeParse({ student: 'a' }).success).toBe(false);
    expect(tripletLossDefinition.options.parse({})).toEqual({ margin: 0.2, sampling: 'semi-hard', l2normalize: false });
    expect(tripletLossDefinition.options.safeParse({ sampling: 'hard' }).success).toBe(false);
    expect(tripletLossDefinition.options.safeParse({ weight: 2 }).success).toBe(false);
  });
});

describe('rkd:distance and rkd:angle', () => {
  it('declare their taps and compute the loss on flattened features', async () => {
    const context = createTestComponentContext();
    const distance = distanceLossDefinition.create(distanceLossDefinition.options.parse({ student: 'pool', teacher: 'embedding' }), context);
    const angle = angleLossDefinition.create(angleLossDefinition.options.parse({ l2normalizeTeacher: true }), context);
    expect(distance.taps).toEqual({ student: ['pool'], teacher: ['embedding'] });
    expect(distance.needs).toEqual({ teacher: true });
    expect(angle.taps).toEqual({ student: ['features'], teacher: ['features'] });
    await expectNoLeak(() =>
      tf.tidy(() => {
        const studentMap = tf.tensor4d(randomMatrix(4, 6, 61).flat(), [4, 1, 2, 3]);
        const teacher = tf.tensor2d(randomMatrix(4, 5, 62));
        const value = distance.compute(createTestLossContext({ features: { pool: studentMap }, teacherFeatures: { embedding: teacher } }));
        expect(value.arraySync()).toBeCloseTo(rkdDistanceLoss(tf.reshape(studentMap, [4, 6]) as tf.Tensor2D, teacher).arraySync(), 6);
        const normalisedTeacher = tf.div(teacher, tf.norm(teacher, 'euclidean', 1, true)) as tf.Tensor2D;
        const student = tf.tensor2d(randomMatrix(4, 3, 63));
        const angleValue = angle.compute(createTestLossContext({ features: { features: student }, teacherFeatures: { features: teacher } }));
        expect(angleValue.arraySync()).toBeCloseTo(rkdAngleLoss(student, normalisedTeacher).arraySync(), 6);
      }),
    );
  });

  it('names the tapped layers when one is missing', async () => {
    const distance = distanceLossDefinition.create(distanceLossDefinition.options.parse({}), createTestComponentContext());
    await expectNoLeak(() =>
      tf.tidy(() => {
        let caught: unknown;
        try {
          distance.compute(createTestLossContext({ features: { fc1: tf.zeros([2, 2]), fc2: tf.zeros([2, 2]) }, teacherFeatures: {} }));
        } catch (error) {
          caught = error;
        }
        expect(InvalidArgumentError.isInstance(caught)).toBe(true);
        expect((caught as Error).message).toMatch(/"features" was not tapped.*fc1, fc2/);
      }),
    );
  });
});

describe('rkd:attention', () => {
  it('sums the attention-transfer losses of the pairs', async () => {
    const attention = attentionLossDefinition.create(
      attentionLossDefinition.options.parse({ pairs: [{ student: 's1', teacher: 't1' }, { student: 's2', teacher: 't2' }] }),
      createTestComponentContext(),
    );
    expect(attention.taps).toEqual({ student: ['s1', 's2'], teacher: ['t1', 't2'] });
    await expectNoLeak(() =>
      tf.tidy(() => {
        const s1 = tf.tensor4d(randomMatrix(2, 16, 64).flat(), [2, 2, 2, 4]);
        const t1 = tf.tensor4d(randomMatrix(2, 8, 65).flat(), [2, 2, 2, 2]);
        const s2 = tf.tensor4d(randomMatrix(2, 16, 66).flat(), [2, 4, 4, 1]);
        const t2 = tf.tensor4d(randomMatrix(2, 12, 67).flat(), [2, 2, 2, 3]);
        const value = attention.compute(createTestLossContext({ features: { s1, s2 }, teacherFeatures: { t1, t2 } })).arraySync();
        const expected = attentionTransferLoss(s1, t1).arraySync() + attentionTransferLoss(s2, t2).arraySync();
        expect(value).toBeCloseTo(expected, 6);
      }),
    );
  });
});

describe('rkd:hint', () => {
  it('builds its regressor on first use, reproducibly from the context generator', async () => {
    await expectNoLeak(() => {
      const options = hintLossDefinition.options.parse({ student: 'block2', teacher: 'block3' });
      const first = hintLossDefinition.create(options, createTestComponentContext(7));
      const second = hintLossDefinition.create(options, createTestComponentContext(7));
      expect(first.variables?.()).toEqual([]);
      const student = tf.tensor4d(randomMatrix(2 * 2 * 2, 3, 68).flat(), [2, 2, 2, 3]);
      const teacher = tf.tensor4d(randomMatrix(2 * 2 * 2, 5, 69).flat(), [2, 2, 2, 5]);
      const lossContext = createTestLossContext({ features: { block2: student }, teacherFeatures: { block3: teacher } });
      const values = [first, second].map((loss) => tf.tidy(() => loss.compute(lossContext).arraySync()));
      expect(values[0]).toBe(values[1]);
      const [regressor] = first.variables?.() ?? [];
      expect(regressor.shape).toEqual([3, 5]);
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => first.compute(lossContext), first.variables?.());
        expect(Object.keys(grads)).toEqual([regressor.name]);
      });
      const eager = hintLossDefinition.create(hintLossDefinition.options.parse({ ...options, studentChannels: 3, teacherChannels: 5 }), createTestComponentContext(7));
      expect(eager.variables?.()[0].shape).toEqual([3, 5]);
      expect(tf.tidy(() => eager.compute(lossContext).arraySync())).toBe(values[0]);
      expect(hintLossDefinition.options.safeParse({ ...options, studentChannels: 3 }).success).toBe(false);
      first.dispose?.();
      second.dispose?.();
      eager.dispose?.();
      student.dispose();
      teacher.dispose();
      lossContext.inputs.dispose();
      lossContext.outputs.dispose();
    });
  });
});

describe('rkd:triplet', () => {
  it('uses the model output and labels, with draws fixed by epoch and step', async () => {
    const options = tripletLossDefinition.options.parse({ sampling: 'distance-weighted', l2normalize: true });
    const triplet = tripletLossDefinition.create(options, createTestComponentContext(3));
    expect(triplet.needs).toEqual({ labels: true });
    expect(triplet.taps).toBeUndefined();
    await expectNoLeak(() =>
      tf.tidy(() => {
        const outputs = tf.tensor2d(randomMatrix(12, 4, 70));
        const labels = tf.tensor1d([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], 'int32');
        const at = (step: number): number => triplet.compute(createTestLossContext({ outputs, labels, step })).arraySync();
        expect(at(5)).toBe(at(5));
        const semiHard = tripletLossDefinition.create(tripletLossDefinition.options.parse({}), createTestComponentContext());
        expect(semiHard.compute(createTestLossContext({ outputs, labels })).arraySync()).toBeCloseTo(tripletLoss(outputs, labels).arraySync(), 6);
        expect(() => semiHard.compute(createTestLossContext({ outputs }))).toThrow(/needs class labels/);
      }),
    );
  });
});
