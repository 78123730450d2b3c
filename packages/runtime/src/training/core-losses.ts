import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { Loss, LossContext } from '../contracts';
import { defineLoss } from '../define';
import { InvalidArgumentError } from '../errors';
import { kdLoss } from './kd-loss';
import { softmaxCrossEntropy } from './softmax-cross-entropy';
import { softTargetLoss } from './soft-target-loss';

/**
 * Options of the `core:cross-entropy` loss. The weight of the loss in the sum is not an option:
 * the runtime reads it from the loss spec (`weight`) and strips it before validation.
 */
export const crossEntropyOptions = z.strictObject({
  /** Label smoothing ε in [0, 1] (see {@link softmaxCrossEntropy}). */
  labelSmoothing: z.number().min(0).max(1).default(0),
});

/** Parsed options of `core:cross-entropy`. */
export type CrossEntropyOptions = z.output<typeof crossEntropyOptions>;

/** Options of the `core:kd` loss (weight handled by the runtime, as for every loss). */
export const kdOptions = z.strictObject({
  /** Softmax temperature T > 0 (Hinton et al. 2015 §2; 4 is a common choice for CIFAR-scale tasks). */
  temperature: z.number().positive().default(4),
});

/** Parsed options of `core:kd`. */
export type KdOptions = z.output<typeof kdOptions>;

/** Options of the `core:soft-targets` loss (none besides the weight). */
export const softTargetsOptions = z.strictObject({});

function logitsOf(context: LossContext, field: 'outputs' | 'teacherOutputs', lossName: string): tf.Tensor2D {
  const tensor = context[field];
  if (tensor === undefined) {
    throw new InvalidArgumentError(field, `loss "${lossName}" needs ${field} in its context, but none were given`);
  }
  if (tensor.rank !== 2) {
    throw new InvalidArgumentError(field, `loss "${lossName}" expects ${field} to be logits [batch, classes], got shape [${tensor.shape.join(', ')}]`);
  }
  return tensor as tf.Tensor2D;
}

/**
 * Creates the hard-label loss: {@link softmaxCrossEntropy} of the model's logits against
 * `context.labels`. Name `cross-entropy`.
 */
export function createCrossEntropyLoss(options: CrossEntropyOptions): Loss {
  const name = 'cross-entropy';
  return {
    name,
    needs: { labels: true },
    compute(context) {
      if (context.labels === undefined) {
        throw new InvalidArgumentError('labels', `loss "${name}" needs labels, but the batch has none; use a loss that does not read labels for unlabelled data`);
      }
      return softmaxCrossEntropy(logitsOf(context, 'outputs', name), context.labels, { labelSmoothing: options.labelSmoothing });
    },
  };
}

/**
 * Creates the distillation term: {@link kdLoss} of the student's logits against
 * `context.teacherOutputs` (Hinton et al. 2015). Name `kd`; it needs the teacher (`needs.teacher`). Combine it with
 * `cross-entropy` by weights in config, e.g. 0.1 and 0.9 for α = 0.9.
 */
export function createKdLoss(options: KdOptions): Loss {
  const name = 'kd';
  return {
    name,
    needs: { teacher: true },
    compute(context) {
      return kdLoss(logitsOf(context, 'outputs', name), logitsOf(context, 'teacherOutputs', name), { temperature: options.temperature });
    },
  };
}

/**
 * Creates the soft-target term: {@link softTargetLoss} of the model's logits against the data's soft
 * targets (`context.targets`). Name `soft-targets`; it needs data that carries targets (a generated
 * dataset artifact labelled by a teacher).
 */
export function createSoftTargetsLoss(): Loss {
  const name = 'soft-targets';
  return {
    name,
    needs: { targets: true },
    compute(context) {
      if (context.targets === undefined) {
        throw new InvalidArgumentError('targets', `loss "${name}" needs soft targets, but the batch has none; train on a dataset artifact that carries them (e.g. generated samples labelled by a teacher), or use core:kd with a teacher`);
      }
      return softTargetLoss(logitsOf(context, 'outputs', name), context.targets);
    },
  };
}

/** `core:cross-entropy`: softmax cross-entropy with optional label smoothing. */
export const crossEntropy = defineLoss({
  description: 'Softmax cross-entropy against the labels, averaged over the batch, with optional label smoothing.',
  options: crossEntropyOptions,
  create: (options) => createCrossEntropyLoss(options),
});

/** `core:kd`: Hinton et al. 2015 knowledge distillation, T² · KL(teacher ‖ student) at temperature T. */
export const kd = defineLoss({
  description: 'Knowledge distillation (Hinton et al. 2015): T² times the KL divergence from the softened teacher to the softened student.',
  options: kdOptions,
  create: (options) => createKdLoss(options),
});

/** `core:soft-targets`: KL divergence from the data's soft targets to the model's softmax. */
export const softTargets = defineLoss({
  description: "KL divergence from the data's soft targets (e.g. a teacher's stored probabilities) to the model's softmax, averaged over the batch.",
  options: softTargetsOptions,
  create: () => createSoftTargetsLoss(),
});

/** The losses the runtime registers under the `core` namespace, by key. */
export const coreLossDefinitions = {
  'cross-entropy': crossEntropy,
  kd,
  'soft-targets': softTargets,
};
