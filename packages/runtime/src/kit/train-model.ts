import path from 'node:path';
import type { FitOptions, FitResult, LossSpec, Metrics, Model, ModelShapeContext, ModelSpec, StepContext, Trainer } from '../contracts';
import { readKeptWeights } from '../io';
import { combineLosses, type CombinedLoss } from '../training/combine-losses';
import { createSchedule, type LearningRateSchedule, type ScheduleOptionsInput } from '../training/learning-rate-schedule';
import type { Optimizer } from '../training/optimizer';
import { createOptimizer, type OptimizerOptionsInput } from '../training/optimizer-options';

/** Options of {@link trainModel}: what a training step's config says. */
export interface TrainModelOptions extends ModelShapeContext {
  /** The step's `model` option: a model spec, or an earlier step's model or architecture by name. */
  model: string | ModelSpec;
  /** Weighted loss terms, as in config. */
  loss: readonly LossSpec[];
  optimizer: OptimizerOptionsInput;
  schedule: ScheduleOptionsInput;
  epochs: number;
  /** Updates per epoch (the schedule spans `epochs · batchesPerEpoch` updates). */
  batchesPerEpoch: number;
  /** Checkpointing and the metric that selects the best epoch. */
  fit?: FitOptions;
  /** After training, load the weights of the best epoch by `fit.monitor` into the model. */
  restoreBest?: boolean;
}

/** What {@link trainModel} builds for the trainer. */
export interface TrainingParts {
  /** The model trained (named after the step). */
  model: Model;
  loss: CombinedLoss;
  optimizer: Optimizer;
  /** The learning rate of each update; set `optimizer.learningRate` from it before each step. */
  schedule: LearningRateSchedule;
}

/** Result of {@link trainModel}: the trained model (the caller owns it) and the loop's result. */
export interface TrainedModel {
  model: Model;
  fit: FitResult;
}

/**
 * The setup every training step repeats, once: resolve the model (a spec, or a copy of an earlier
 * step's model or architecture), build the weighted losses, the optimiser and the learning-rate
 * schedule, hand them to `createTrainer`, run the trainer under the engine (`context.fit`:
 * checkpoints, resume, events, NaN checks), optionally restore the best epoch's weights, and
 * release the losses, the optimiser and the trainer. On failure or interruption the model is
 * released too; on success the caller owns it (return it as the step's artifact).
 */
export async function trainModel(context: StepContext, options: TrainModelOptions, createTrainer: (parts: TrainingParts) => Trainer): Promise<TrainedModel> {
  const model = context.resolveModel(options.model, { name: options.name ?? context.id, inputShape: options.inputShape, numClasses: options.numClasses });
  let loss: CombinedLoss | undefined;
  let optimizer: Optimizer | undefined;
  let trainer: Trainer | undefined;
  let succeeded = false;
  try {
    loss = combineLosses(options.loss.map((spec) => ({ loss: context.createLoss(spec), weight: spec.weight ?? 1 })));
    optimizer = createOptimizer(options.optimizer);
    const schedule = createSchedule(options.schedule, { baseLearningRate: optimizer.learningRate, epochs: options.epochs, batchesPerEpoch: options.batchesPerEpoch });
    trainer = createTrainer({ model, loss, optimizer, schedule });
    const fit = await context.fit(trainer, options.fit);
    if (options.restoreBest && fit.best) {
      const best = await readKeptWeights(path.join(context.stepDirectory, 'best'), 'tensors');
      try {
        trainer.setState(best);
      } finally {
        for (const tensor of Object.values(best)) tensor.dispose();
      }
    }
    succeeded = true;
    return { model, fit };
  } finally {
    trainer?.dispose?.();
    loss?.dispose();
    optimizer?.dispose();
    // An interrupted or diverged step produces no artifact: its model would otherwise leak.
    if (!succeeded) model.dispose();
  }
}

/** Parameters and FLOPs of a model, as steps report them: `{ params, flops }`. */
export function modelSizeMetrics(model: Model): Metrics {
  return { params: model.countParams(), flops: model.countFlops() };
}
