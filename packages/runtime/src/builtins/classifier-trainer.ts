import * as tf from '@tensorflow/tfjs';
import { createBatches, type ArrayDataset, type Batch } from '@core/datasets';
import type { Dataset, LoopPosition, Metrics, Model, Normalization, Trainer } from '../contracts';
import { InvalidArgumentError } from '../errors';
import type { Rng } from '../rng';
import type { CombinedLoss } from '../training/combine-losses';
import { evaluateClassifier } from '../training/evaluate-classifier';
import type { Optimizer } from '../training/optimizer';
import type { LearningRateSchedule } from '../training/learning-rate-schedule';
import { lossUpdate } from '../kit/loss-update';
import { getTrainingState, setTrainingState } from '../kit/training-state';

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
  /** Images (and labels, and soft targets when the data carries them). */
  train: Dataset;
  validation?: Dataset;
  epochs: number;
  batchSize: number;
  normalization?: Normalization;
  augment?: { crop?: number; flip?: boolean };
  /** Drop the last incomplete batch of each epoch (default true: batch-norm statistics stay stable). */
  dropLast?: boolean;
}

/**
 * Supervised and distillation training of a classifier: shuffled (and optionally augmented) batches
 * each epoch, the configured weighted loss, per-batch learning rate from the schedule, validation
 * loss and accuracy each epoch. Teacher outputs and tapped features are computed without gradient.
 * Soft targets of the data (a generated dataset labelled by a teacher) reach the losses as
 * `context.targets`.
 */
export function createClassifierTrainer(options: ClassifierTrainerOptions): Trainer {
  const { model, teacher, loss, optimizer, schedule, train, validation } = options;
  if (loss.needs.teacher && !teacher) {
    throw new InvalidArgumentError('teacher', 'a loss in this step reads a teacher (e.g. core:kd): use core:distill with a teacher, or remove that loss.');
  }
  if (loss.needs.targets && train.targets === undefined) {
    throw new InvalidArgumentError('loss', `a loss in this step reads soft targets (core:soft-targets), but the training data "${train.name}" carries none: train on a dataset artifact labelled by a teacher (data: <artifact>).`);
  }
  const images = train as ArrayDataset;
  const dropLast = options.dropLast ?? true;
  let batches: Batch[] = [];
  const batchesPerEpoch = Math.max(1, dropLast ? Math.floor(train.count / options.batchSize) : Math.ceil(train.count / options.batchSize));
  return {
    name: options.name ?? 'classifier',
    epochs: options.epochs,
    batchesPerEpoch: () => batchesPerEpoch,
    startEpoch(_epoch: number, rng: Rng) {
      batches = createBatches(images, {
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
      const inputs = tf.tensor(batch.images, batch.shape);
      const labels = tf.tensor1d(batch.labels, 'int32');
      const targets = batch.targets === undefined ? undefined : tf.tensor2d(batch.targets, [batch.size, train.numClasses]);
      try {
        return lossUpdate({ model, teacher, loss, optimizer, inputs, labels, targets, position, accuracy: true });
      } finally {
        inputs.dispose();
        labels.dispose();
        targets?.dispose();
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
