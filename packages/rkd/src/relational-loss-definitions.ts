import * as tf from '@tensorflow/tfjs';
import type { Loss, LossContext, LossDefinition } from '@core/runtime';
import { z } from 'zod';
import { l2Normalize } from './l2-normalize';
import { rkdAngleLoss } from './rkd-angle-loss';
import { rkdDistanceLoss } from './rkd-distance-loss';
import { flattenFeature, readTappedFeature } from './tapped-features';

function relationalOptionsSchema() {
  return z.strictObject({
    /** Student layer whose output is related (flattened to `[batch, features]`). */
    student: z.string().min(1).default('features').describe('student layer to tap, flattened to [batch, features]'),
    /** Teacher layer whose output is related. */
    teacher: z.string().min(1).default('features').describe('teacher layer to tap, flattened to [batch, features]'),
    /** L2-normalise the teacher feature per example first (the metric-learning setup of the paper). */
    l2normalizeTeacher: z.boolean().default(false).describe('L2-normalise the teacher feature per example'),
  });
}

/** Options of `rkd:distance`: tap layer names (default `features`) and teacher normalisation. */
export const distanceLossOptions = relationalOptionsSchema();
/** Options of `rkd:angle`: tap layer names (default `features`) and teacher normalisation. */
export const angleLossOptions = relationalOptionsSchema();

/** Options of `rkd:distance` as written in a config. */
export type DistanceLossOptions = z.input<typeof distanceLossOptions>;
/** Options of `rkd:angle` as written in a config. */
export type AngleLossOptions = z.input<typeof angleLossOptions>;

type RelationalOptions = z.output<typeof distanceLossOptions>;

function createRelationalLoss(
  name: string,
  options: RelationalOptions,
  relate: (student: tf.Tensor2D, teacher: tf.Tensor2D) => tf.Scalar,
): Loss {
  return {
    name,
    taps: { student: [options.student], teacher: [options.teacher] },
    needs: { teacher: true },
    compute: (context: LossContext) =>
      tf.tidy(() => {
        const student = flattenFeature(readTappedFeature(context.features, options.student, 'student', name));
        const teacherFeature = flattenFeature(readTappedFeature(context.teacherFeatures, options.teacher, 'teacher', name));
        const teacher = options.l2normalizeTeacher ? l2Normalize(teacherFeature, 1) : teacherFeature;
        return relate(student, teacher);
      }),
  };
}

/**
 * `rkd:distance` — {@link rkdDistanceLoss} between tapped student and teacher layers (RKD-D,
 * Park et al. 2019, Sec. 3.2.1). The paper's weights: 1 (metric learning), 25 (classification).
 */
export const distanceLossDefinition: LossDefinition<typeof distanceLossOptions> = {
  description: 'Relational KD, distance-wise (RKD-D): smooth-L1 between mean-normalised pairwise distances',
  options: distanceLossOptions,
  create: (options) => createRelationalLoss('rkd:distance', options, rkdDistanceLoss),
};

/**
 * `rkd:angle` — {@link rkdAngleLoss} between tapped student and teacher layers (RKD-A,
 * Park et al. 2019, Sec. 3.2.2). The paper's weights: 2 (metric learning), 50 (classification).
 */
export const angleLossDefinition: LossDefinition<typeof angleLossOptions> = {
  description: 'Relational KD, angle-wise (RKD-A): smooth-L1 between the cosines of all triplet angles',
  options: angleLossOptions,
  create: (options) => createRelationalLoss('rkd:angle', options, rkdAngleLoss),
};
