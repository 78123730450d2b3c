import { z } from 'zod';
import { parseOptions } from '../zod-issues';
import { createAdam } from './adam';
import type { Optimizer } from './optimizer';
import { createSgd } from './sgd';

/** Config options of SGD (see {@link createSgd}); defaults are the usual CIFAR ResNet recipe. */
export const sgdOptions = z.strictObject({
  type: z.literal('sgd'),
  learningRate: z.number().nonnegative().default(0.1),
  momentum: z.number().min(0).lt(1).default(0.9),
  nesterov: z.boolean().default(false),
  weightDecay: z.number().nonnegative().default(5e-4),
});

/** Config options of Adam/AdamW (see {@link createAdam}). */
export const adamOptions = z.strictObject({
  type: z.literal('adam'),
  learningRate: z.number().nonnegative().default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  weightDecay: z.number().nonnegative().default(0),
  /** AdamW's decoupled weight decay. */
  decoupled: z.boolean().default(false),
});

/** Optimiser section of a config, discriminated on `type`. */
export const optimizerOptions = z.discriminatedUnion('type', [sgdOptions, adamOptions]);

/** Optimiser options as written in a config (defaults optional). */
export type OptimizerOptionsInput = z.input<typeof optimizerOptions>;
/** Optimiser options with defaults filled in. */
export type OptimizerOptions = z.output<typeof optimizerOptions>;

/**
 * Creates the optimiser a config describes, filling defaults first.
 *
 * @throws InvalidArgumentError listing every problem when the options do not match {@link optimizerOptions}.
 */
export function createOptimizer(options: OptimizerOptionsInput): Optimizer {
  const resolved = parseOptions(optimizerOptions, options, 'optimiser');
  switch (resolved.type) {
    case 'sgd':
      return createSgd(resolved);
    case 'adam':
      return createAdam(resolved);
  }
}
