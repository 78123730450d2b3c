import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { lossSpec, modelReference } from '../config-schema';
import type { LossSpec, Metrics, Model, StepContext, StepDefinition, StepResult } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { atomicWriteFile, fileSystemIO } from '../io';
import { combineLosses } from '../training/combine-losses';
import { evaluateClassifier } from '../training/evaluate-classifier';
import { createSchedule, scheduleOptions } from '../training/learning-rate-schedule';
import { createOptimizer, optimizerOptions } from '../training/optimizer-options';
import { createClassifierTrainer } from './classifier-trainer';

const augmentOptions = z
  .strictObject({
    /** Zero-padding in pixels before a random crop back to the original size (4 for CIFAR). */
    crop: z.number().int().min(0).default(0),
    /** Random horizontal flips (not for digits). */
    flip: z.boolean().default(false),
  })
  .default({ crop: 0, flip: false });

const trainingFields = {
  epochs: z.number().int().positive().default(5),
  batchSize: z.number().int().positive().default(64),
  optimizer: optimizerOptions.prefault({ type: 'adam', learningRate: 1e-3 }),
  schedule: scheduleOptions.prefault({ type: 'constant' }),
  augment: augmentOptions,
  /** Validation metric that selects the best epoch. */
  monitor: z.string().default('val_accuracy'),
  /** Keep the weights of the best epoch by `monitor` instead of the last. */
  restoreBest: z.boolean().default(false),
};

/** Options of `core:train`. */
export const trainStepOptions = z.strictObject({
  /** A model spec (`{ use: core:lenet5 }`) or the name of an earlier step's model or architecture. */
  model: modelReference,
  ...trainingFields,
  loss: z.array(lossSpec).min(1).default([{ use: 'core:cross-entropy' }]),
});

/** Options of `core:distill`. */
export const distillStepOptions = z.strictObject({
  /** Name of an earlier step's model, used frozen as the teacher. */
  teacher: z.string().min(1),
  /** The student: a model spec or the name of an earlier step's model or architecture. */
  model: modelReference,
  ...trainingFields,
  loss: z
    .array(lossSpec)
    .min(1)
    .default([
      { use: 'core:cross-entropy', weight: 0.1 },
      { use: 'core:kd', weight: 0.9, temperature: 4 },
    ]),
});

/** Options of `core:evaluate`. */
export const evaluateStepOptions = z.strictObject({
  /** Names of earlier steps' models. */
  models: z.array(z.string().min(1)).min(1),
  split: z.enum(['test', 'validation']).default('test'),
  batchSize: z.number().int().positive().default(256),
  /** Extra top-k accuracies, e.g. [5]. */
  topK: z.array(z.number().int().positive()).default([]),
});

/** Options of `core:export`. */
export const exportStepOptions = z.strictObject({
  /** Name of an earlier step's model. */
  model: z.string().min(1),
  format: z.enum(['layers-model']).default('layers-model'),
});

async function trainClassifier(options: z.output<typeof distillStepOptions> | z.output<typeof trainStepOptions>, context: StepContext, teacher?: Model): Promise<StepResult> {
  const data = context.data;
  const model = context.resolveModel(options.model, { name: context.id });
  const loss = combineLosses(
    (options.loss as LossSpec[]).map((spec) => ({ loss: context.createLoss(spec), weight: spec.weight ?? 1 })),
  );
  const optimizer = createOptimizer(options.optimizer);
  const batchesPerEpoch = Math.max(1, Math.floor(data.train.count / options.batchSize));
  const schedule = createSchedule(options.schedule, { baseLearningRate: optimizer.learningRate, epochs: options.epochs, batchesPerEpoch });
  const trainer = createClassifierTrainer({
    name: context.id,
    model,
    teacher,
    loss,
    optimizer,
    schedule,
    train: data.train,
    validation: data.validation,
    epochs: options.epochs,
    batchSize: options.batchSize,
    normalization: data.normalization,
    augment: options.augment,
  });
  let succeeded = false;
  try {
    const result = await context.fit(trainer, { monitor: data.validation ? options.monitor : undefined, mode: options.monitor.includes('loss') ? 'min' : 'max' });
    if (options.restoreBest && result.best) {
      const { readWeights } = await import('../io');
      const best = await readWeights(path.join(context.stepDirectory, 'best'), 'tensors');
      try {
        trainer.setState(best);
      } finally {
        for (const tensor of Object.values(best)) tensor.dispose();
      }
    }
    const metrics: Metrics = { ...result.last, params: model.countParams(), flops: model.countFlops(), seconds: result.seconds };
    if (result.best && options.monitor in result.best) metrics[`best_${options.monitor}`] = result.best[options.monitor];
    succeeded = true;
    return { artifacts: { [context.id]: { kind: 'model', model } }, metrics };
  } finally {
    if (!succeeded) model.dispose();
    loss.dispose();
    optimizer.dispose();
  }
}

/** `core:train`: supervised training of a classifier. */
export const trainStep: StepDefinition<typeof trainStepOptions> = {
  description: 'Train a classifier with a weighted sum of losses (default softmax cross-entropy).',
  options: trainStepOptions,
  references: (options) => (typeof options.model === 'string' ? [options.model] : []),
  run: (options, context) => trainClassifier(options, context),
};

/** `core:distill`: knowledge distillation from a frozen teacher (Hinton et al., 2015). */
export const distillStep: StepDefinition<typeof distillStepOptions> = {
  description: 'Train a student from a frozen teacher with a weighted sum of losses (default 0.1 CE + 0.9 KD at T = 4).',
  options: distillStepOptions,
  references: (options) => [options.teacher, ...(typeof options.model === 'string' ? [options.model] : [])],
  run: (options, context) => trainClassifier(options, context, context.artifacts.get(options.teacher, 'model').model),
};

/** `core:evaluate`: loss, accuracy, parameters and FLOPs of models on the test or validation split. */
export const evaluateStep: StepDefinition<typeof evaluateStepOptions> = {
  description: 'Evaluate models on the test (or validation) split: loss, accuracy, top-k, parameters, FLOPs.',
  options: evaluateStepOptions,
  references: (options) => options.models,
  async run(options, context) {
    const dataset = options.split === 'test' ? context.data.test : context.data.validation;
    if (!dataset) throw new InvalidArgumentError('split', `core:evaluate: the config has no validation split; set data.validation > 0 or use split: test.`);
    const metrics: Metrics = {};
    for (const name of options.models) {
      const model = context.artifacts.get(name, 'model').model;
      const result = await evaluateClassifier(model, dataset, { batchSize: options.batchSize, normalize: context.data.normalization, topK: options.topK });
      for (const [metric, value] of Object.entries(result)) metrics[`${name}_${metric}`] = value as number;
      metrics[`${name}_params`] = model.countParams();
      metrics[`${name}_flops`] = model.countFlops();
      context.logger.info(
        `${name}: ${options.split} accuracy ${(result.accuracy * 100).toFixed(2)}%, loss ${result.loss.toFixed(4)}, ${model.countParams().toLocaleString('en-US')} parameters, ${(model.countFlops() / 1e6).toFixed(3)} M FLOPs`,
      );
    }
    return { metrics };
  },
};

/** `core:export`: the standard TensorFlow.js LayersModel format, loadable by plain `tf.loadLayersModel`. */
export const exportStep: StepDefinition<typeof exportStepOptions> = {
  description: 'Export a model as a TensorFlow.js LayersModel (model.json + weights.bin) with its input normalisation.',
  options: exportStepOptions,
  references: (options) => [options.model],
  async run(options, context) {
    const model = context.artifacts.get(options.model, 'model').model;
    const layersModel = model.toLayersModel();
    if (!layersModel) throw new InvalidArgumentError('model', `core:export: model "${options.model}" (${model.spec.use}) is not expressible as tfjs layers; save its weights from the step's artifacts instead.`);
    const directory = path.join(context.runDirectory, 'exports', options.model);
    await mkdir(directory, { recursive: true });
    await layersModel.save(fileSystemIO(directory));
    const preprocessing = {
      inputShape: model.inputShape,
      layout: 'NHWC',
      scale: context.data.normalization ? 'pixels in [0, 1], then (x - mean) / std per channel' : 'pixels in [0, 1]',
      normalization: context.data.normalization ?? null,
      classNames: context.data.train.classNames ?? null,
    };
    await atomicWriteFile(path.join(directory, 'preprocessing.json'), `${JSON.stringify(preprocessing, null, 2)}\n`);
    context.logger.info(`exported ${options.model} to ${directory}`);
    return { metrics: { params: model.countParams(), flops: model.countFlops() } };
  },
};

/** The built-in steps. */
export const coreStepDefinitions = {
  train: trainStep,
  distill: distillStep,
  evaluate: evaluateStep,
  export: exportStep,
};
