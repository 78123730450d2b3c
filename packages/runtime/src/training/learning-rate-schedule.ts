import { z } from 'zod';
import { InvalidArgumentError } from '../errors';
import { parseOptions } from '../zod-issues';

const warmupEpochs = z.number().nonnegative().default(0);

/** A constant learning rate (after the optional warm-up). */
export const constantScheduleOptions = z.strictObject({
  type: z.literal('constant'),
  warmupEpochs,
});

/** Multiplies the rate by `gamma` at each milestone epoch (PyTorch `MultiStepLR`). */
export const stepScheduleOptions = z.strictObject({
  type: z.literal('step'),
  /** 0-based epochs at which the rate is multiplied by `gamma` (from that epoch on). */
  milestones: z.array(z.number().int().nonnegative()),
  gamma: z.number().positive().default(0.1),
  warmupEpochs,
});

/**
 * Cosine annealing from the base rate to `minLearningRate` over the batches after the warm-up
 * (Loshchilov and Hutter 2017, SGDR, without restarts).
 */
export const cosineScheduleOptions = z.strictObject({
  type: z.literal('cosine'),
  minLearningRate: z.number().nonnegative().default(0),
  warmupEpochs,
});

/** Learning-rate schedule section of a config, discriminated on `type`. */
export const scheduleOptions = z.discriminatedUnion('type', [constantScheduleOptions, stepScheduleOptions, cosineScheduleOptions]);

/** Schedule options as written in a config (defaults optional). */
export type ScheduleOptionsInput = z.input<typeof scheduleOptions>;
/** Schedule options with defaults filled in. */
export type ScheduleOptions = z.output<typeof scheduleOptions>;

/** The run a schedule spans. */
export interface ScheduleContext {
  /** Rate of the schedule before warm-up and decay (finite, ≥ 0). */
  baseLearningRate: number;
  /** Number of epochs of the run (positive integer). */
  epochs: number;
  /** Batches in each epoch (positive integer). */
  batchesPerEpoch: number;
}

/** Learning rate of the update at 0-based `epoch` and `batch` within the epoch. */
export type LearningRateSchedule = (epoch: number, batch: number) => number;

function checkCount(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(argument, `${argument} must be a positive integer, got ${value}`);
  }
}

/**
 * Creates a per-batch learning-rate schedule. With `t = epoch · batchesPerEpoch + batch` (the
 * 0-based update index) and `W = round(warmupEpochs · batchesPerEpoch)` warm-up updates:
 *
 * - during warm-up (`t < W`) the rate rises linearly from 0, `rate(t) · t / W` (the gradual
 *   warm-up of Goyal et al. 2017, in the form of Hugging Face's `get_cosine_schedule_with_warmup`;
 *   the very first update therefore has rate 0);
 * - `constant`: `base`;
 * - `step`: `base · gamma^n`, n the number of milestones ≤ epoch;
 * - `cosine`: `min + (base − min) · (1 + cos(π · p)) / 2` with `p = (t − W) / (T − W)` and
 *   `T = epochs · batchesPerEpoch`, so the rate reaches `min` just after the last update (like
 *   PyTorch's `CosineAnnealingLR` stepped per batch); p is clamped to [0, 1] past the end.
 *
 * @throws InvalidArgumentError on invalid options (all problems listed) or context.
 */
export function createSchedule(options: ScheduleOptionsInput, context: ScheduleContext): LearningRateSchedule {
  const resolved = parseOptions(scheduleOptions, options, 'learning-rate schedule');
  const { baseLearningRate, epochs, batchesPerEpoch } = context;
  if (!Number.isFinite(baseLearningRate) || baseLearningRate < 0) {
    throw new InvalidArgumentError('baseLearningRate', `baseLearningRate must be a finite number ≥ 0, got ${baseLearningRate}`);
  }
  checkCount('epochs', epochs);
  checkCount('batchesPerEpoch', batchesPerEpoch);
  const totalBatches = epochs * batchesPerEpoch;
  const warmupBatches = Math.round(resolved.warmupEpochs * batchesPerEpoch);
  if (resolved.type === 'cosine' && warmupBatches >= totalBatches) {
    throw new InvalidArgumentError('warmupEpochs', `warmupEpochs (${resolved.warmupEpochs}) must leave some of the ${epochs} epochs for the cosine decay`);
  }

  const decayed = (epoch: number, index: number): number => {
    switch (resolved.type) {
      case 'constant':
        return baseLearningRate;
      case 'step':
        return baseLearningRate * resolved.gamma ** resolved.milestones.filter((milestone) => milestone <= epoch).length;
      case 'cosine': {
        const progress = Math.min(1, Math.max(0, (index - warmupBatches) / (totalBatches - warmupBatches)));
        return resolved.minLearningRate + ((baseLearningRate - resolved.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2;
      }
    }
  };

  return (epoch, batch) => {
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(batch) || batch < 0 || batch >= batchesPerEpoch) {
      throw new InvalidArgumentError('batch', `schedule position must be integers epoch ≥ 0 and batch in [0, ${batchesPerEpoch}), got epoch ${epoch}, batch ${batch}`);
    }
    const index = epoch * batchesPerEpoch + batch;
    const rate = decayed(epoch, index);
    return index < warmupBatches ? (rate * index) / warmupBatches : rate;
  };
}
