import * as tf from '@tensorflow/tfjs';
import type { LossContext, LossDefinition } from '@core/runtime';
import { z } from 'zod';
import { attentionTransferLoss } from './attention-transfer-loss';
import { readTappedFeature } from './tapped-features';

/** Options of `rkd:attention`: the (student, teacher) layer pairs whose attention maps are matched. */
export const attentionLossOptions = z.strictObject({
  pairs: z
    .array(
      z.strictObject({
        student: z.string().min(1).describe('student layer with an NHWC output'),
        teacher: z.string().min(1).describe('teacher layer with an NHWC output of the same or a smaller size'),
      }),
    )
    .min(1)
    .describe('layer pairs whose attention maps are matched; the losses of the pairs are summed'),
});

/** Options of `rkd:attention` as written in a config. */
export type AttentionLossOptions = z.input<typeof attentionLossOptions>;

/**
 * `rkd:attention` — attention transfer (Zagoruyko & Komodakis 2017; a baseline of RKD, Park et al.
 * 2019, Sec. 4): the sum over the layer pairs of {@link attentionTransferLoss}. RepDistiller weighs
 * it by 1000.
 */
export const attentionLossDefinition: LossDefinition<typeof attentionLossOptions> = {
  description: 'Attention transfer: squared difference of L2-normalised spatial attention maps, summed over layer pairs',
  options: attentionLossOptions,
  create: (options) => ({
    name: 'rkd:attention',
    taps: { student: options.pairs.map((pair) => pair.student), teacher: options.pairs.map((pair) => pair.teacher) },
    needs: { teacher: true },
    compute: (context: LossContext) =>
      tf.tidy(() =>
        tf.addN(
          options.pairs.map((pair) =>
            attentionTransferLoss(
              readTappedFeature(context.features, pair.student, 'student', 'rkd:attention') as tf.Tensor4D,
              readTappedFeature(context.teacherFeatures, pair.teacher, 'teacher', 'rkd:attention') as tf.Tensor4D,
            ),
          ),
        ) as tf.Scalar,
      ),
  }),
};
