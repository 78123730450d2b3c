import * as tf from '@tensorflow/tfjs';
import { createBatches, type ArrayDataset, type Batch } from '@core/datasets';
import type { LoopPosition, Metrics, Model, Trainer } from '../contracts';
import { InvalidArgumentError } from '../errors';
import type { Rng } from '../rng';
import type { CombinedLoss } from '../training/combine-losses';
import { evaluateClassifier } from '../training/evaluate-classifier';
import type { Optimizer } from '../training/optimizer';
import type { LearningRateSchedule } from '../training/learning-rate-schedule';
import { lossUpdate } from './loss-update';
import { getTrainingState, setTrainingState } from './optimizer-state';

/** Options of {@link createClassifierTrainer}. */
export interface ClassifierTrainerOptions {
  name?: string;
  /** The model trained. */
  model: Model;
  /** Frozen teacher for distillation: run in inference mode, outside the gradient scope. */
  teacher?: Model;
  loss: CombinedLoss;
  optimizer: Optimizer;
  schedule: LearningRateSchedule;
  train: ArrayDataset;
  validation?: ArrayDataset;
  epochs: number;
  batchSize: number;
  normalization?: { mean: number[]; std: number[] };
  augment?: { crop?: number; flip?: boolean };
  /** Drop the last incomplete batch of each epoch (default true: batch-norm statistics stay stable). */
  dropLast?: boolean;
}

/**
 * Supervised and distillation training of a classifier: shuffled (and optionally augmented) batches
 * each epoch, the configured weighted loss, per-batch learning rate from the schedule, validation
 * loss and accuracy each epoch. Teacher outputs and tapped features are computed without gradient.
 */
export function createClassifierTrainer(options: ClassifierTrainerOptions): Trainer {
  const { model, teacher, loss, optimizer, schedule, train, validation } = options;
  if (loss.needsTeacher && !teacher) {
    throw new InvalidArgumentError('teacher', 'a loss in this step reads a teacher (e.g. core:kd): use core:distill with a teacher, or remove that loss.');
  }
  const dropLast = options.dropLast ?? true;
  let batches: Batch[] = [];
  const batchesPerEpoch = Math.max(1, dropLast ? Math.floor(train.count / options.batchSize) : Math.ceil(train.count / options.batchSize));
  return {
    name: options.name ?? 'classifier',
    epochs: options.epochs,
    batchesPerEpoch: () => batchesPerEpoch,
    startEpoch(_epoch: number, rng: Rng) {
      batches = createBatches(train, {
        batchSize: options.batchSize,
        shuffle: true,
        random: rng,
        dropLast: dropLast && train.count >= options.batchSize,
        augment: options.augment,
        normalize: options.normalization,
      });
    },
    trainBatch(position: LoopPosition): Metrics {
      const batch = batches[position.batch];
      optimizer.learningRate = schedule(position.epoch, position.batch);
      const inputs = tf.tensor4d(batch.images, batch.shape);
      const labels = tf.tensor1d(batch.labels, 'int32');
      try {
        return lossUpdate({ model, teacher, loss, optimizer, inputs, labels, position, accuracy: true });
      } finally {
        inputs.dispose();
        labels.dispose();
      }
    },
    async evaluate(): Promise<Metrics> {
      if (!validation || validation.count === 0) return {};
      const result = await evaluateClassifier(model, validation, { batchSize: 256, normalize: options.normalization });
      return { loss: result.loss, accuracy: result.accuracy };
    },
    getState: () => getTrainingState({ model, lossVariables: () => loss.variables(), optimizer }),
    setState: (state) => setTrainingState({ model, lossVariables: () => loss.variables(), optimizer }, state),
  };
}
