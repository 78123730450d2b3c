import type { Loss, LossContext, LossDefinition } from '@core/runtime';
import { z } from 'zod';
import { createHintLoss, type HintLoss } from './hint-loss';
import { readTappedFeature } from './tapped-features';

/** Options of `rkd:hint`: the student layer (guided) and the teacher layer (hint). */
export const hintLossOptions = z
  .strictObject({
    student: z.string().min(1).describe('student layer (the guided layer), [batch, channels] or NHWC'),
    teacher: z.string().min(1).describe('teacher layer (the hint), same rank and spatial size as the student layer'),
    /** Channels of the student layer; with `teacherChannels`, the regressor is built at once. */
    studentChannels: z.int().positive().optional().describe('channels of the student layer (build the regressor up front)'),
    /** Channels of the teacher layer; with `studentChannels`, the regressor is built at once. */
    teacherChannels: z.int().positive().optional().describe('channels of the teacher layer (build the regressor up front)'),
  })
  .refine((options) => (options.studentChannels === undefined) === (options.teacherChannels === undefined), {
    message: 'give both studentChannels and teacherChannels, or neither',
    path: ['teacherChannels'],
  });

/** Options of `rkd:hint` as written in a config. */
export type HintLossComponentOptions = z.input<typeof hintLossOptions>;

/**
 * `rkd:hint` — FitNet hint loss (Romero et al. 2015; a baseline of RKD, Park et al. 2019, Sec. 4)
 * between two tapped layers, via {@link createHintLoss}, seeded from the component's generator.
 * With `studentChannels` and `teacherChannels` the 1×1 regressor is built at once; without them it is
 * built on the first `compute` from the tapped shapes. `variables()` is empty until it exists, so a
 * trainer that collects the variables before the forward pass trains a lazily built regressor from the
 * second update on, and a checkpoint restored before the first batch cannot reach it: give the channel
 * counts when resuming matters.
 */
export const hintLossDefinition: LossDefinition<typeof hintLossOptions> = {
  description: 'FitNet hint: MSE between a 1×1-regressed student layer and a teacher layer',
  options: hintLossOptions,
  create: (options, context): Loss => {
    const seed = context.rng.seed();
    let hint: HintLoss | undefined =
      options.studentChannels !== undefined && options.teacherChannels !== undefined
        ? createHintLoss({ studentChannels: options.studentChannels, teacherChannels: options.teacherChannels, seed })
        : undefined;
    return {
      name: 'rkd:hint',
      taps: { student: [options.student], teacher: [options.teacher] },
      needs: { teacher: true },
      compute: (lossContext: LossContext) => {
        const student = readTappedFeature(lossContext.features, options.student, 'student', 'rkd:hint');
        const teacher = readTappedFeature(lossContext.teacherFeatures, options.teacher, 'teacher', 'rkd:hint');
        hint ??= createHintLoss({
          studentChannels: student.shape[student.rank - 1],
          teacherChannels: teacher.shape[teacher.rank - 1],
          seed,
        });
        return hint.compute(student, teacher);
      },
      variables: () => (hint === undefined ? [] : hint.variables()),
      dispose: () => {
        hint?.dispose();
        hint = undefined;
      },
    };
  },
};
