import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError, type LossContext, type LossDefinition } from '@core/runtime';
import { z } from 'zod';
import { l2Normalize } from './l2-normalize';
import { flattenFeature, readTappedFeature } from './tapped-features';
import { tripletLoss } from './triplet-loss';

/** Options of `rkd:triplet`. */
export const tripletLossOptions = z.strictObject({
  /** Student layer holding the embedding; the model output when unset. */
  tap: z.string().min(1).optional().describe('layer holding the embedding (default: the model output)'),
  margin: z.number().min(0).default(0.2).describe('hinge margin on non-squared Euclidean distances'),
  sampling: z
    .enum(['semi-hard', 'distance-weighted', 'all'])
    .default('semi-hard')
    .describe('negative selection; distance-weighted assumes L2-normalised embeddings'),
  l2normalize: z.boolean().default(false).describe('L2-normalise the embedding before the loss'),
});

/** Options of `rkd:triplet` as written in a config. */
export type TripletLossComponentOptions = z.input<typeof tripletLossOptions>;

/**
 * `rkd:triplet` — {@link tripletLoss} on the model output (or a tapped layer) with the batch labels
 * (the teacher objective of RKD's metric-learning experiments, Park et al. 2019, Sec. 4.1). Random
 * draws come from the component's generator forked by epoch and step, so a resumed run draws the same
 * negatives.
 */
export const tripletLossDefinition: LossDefinition<typeof tripletLossOptions> = {
  description: 'Triplet margin loss with semi-hard, distance-weighted or all negatives',
  options: tripletLossOptions,
  create: (options, context) => {
    const generator = context.rng.fork('rkd:triplet');
    return {
      name: 'rkd:triplet',
      taps: options.tap === undefined ? undefined : { student: [options.tap] },
      needs: { labels: true },
      compute: (lossContext: LossContext) => {
        if (lossContext.labels === undefined) {
          throw new InvalidArgumentError('labels', 'rkd:triplet needs class labels; use it with a labelled dataset.');
        }
        const labels = lossContext.labels;
        return tf.tidy(() => {
          const source = options.tap === undefined ? lossContext.outputs : readTappedFeature(lossContext.features, options.tap, 'student', 'rkd:triplet');
          const flat = flattenFeature(source);
          const embeddings = options.l2normalize ? l2Normalize(flat, 1) : flat;
          return tripletLoss(embeddings, labels, {
            margin: options.margin,
            sampling: options.sampling,
            rng: generator.fork(`${lossContext.epoch}:${lossContext.step}`),
          });
        });
      },
    };
  },
};
