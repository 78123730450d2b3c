import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Metrics, Model, StepContext, StepDefinition, StepResult } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { atomicWriteFile, fileSystemIO } from '../io';
import { modelSizeMetrics, trainModel } from '../kit/train-model';
import { artifactReference, dataReference, lossSpec, modelReference } from '../references';
import { evaluateClassifier } from '../training/evaluate-classifier';
import { scheduleOptions } from '../training/learning-rate-schedule';
import { optimizerOptions } from '../training/optimizer-options';
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
  /**
   * The data to train on: the name of an earlier step's dataset artifact (generated samples), or
   * left out for the run's `data` section.
   */
  data: dataReference(),
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
  teacher: artifactReference('model'),
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
  models: z.array(artifactReference('model')).min(1),
  /** An earlier step's dataset artifact to evaluate on; left out, the run's data. */
  data: dataReference(),
  split: z.enum(['test', 'validation']).default('test'),
  batchSize: z.number().int().positive().default(256),
  /** Extra top-k accuracies, e.g. [5]. */
  topK: z.array(z.number().int().positive()).default([]),
});

/** Options of `core:export`. */
export const exportStepOptions = z.strictObject({
  /** Name of an earlier step's model. */
  model: artifactReference('model'),
  format: z.enum(['layers-model']).default('layers-model'),
});

async function trainClassifier(options: z.output<typeof distillStepOptions> | z.output<typeof trainStepOptions>, context: StepContext, teacher?: Model): Promise<StepResult> {
  const data = context.resolveData(options.data);
  const monitor = data.validation ? options.monitor : undefined;
  const { model, fit } = await trainModel(
    context,
    {
      ...options,
      batchesPerEpoch: Math.max(1, Math.floor(data.train.count / options.batchSize)),
      inputShape: data.train.shape,
      numClasses: data.train.numClasses,
      fit: { monitor, mode: options.monitor.includes('loss') ? 'min' : 'max' },
    },
    ({ model, loss, optimizer, schedule }) =>
      createClassifierTrainer({
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
      }),
  );
  const metrics: Metrics = { ...fit.last, ...modelSizeMetrics(model), seconds: fit.seconds };
  if (fit.best && options.monitor in fit.best) metrics[`best_${options.monitor}`] = fit.best[options.monitor];
  return { artifacts: { [context.id]: { kind: 'model', model } }, metrics };
}

/** `core:train`: supervised training of a classifier. */
export const trainStep: StepDefinition<typeof trainStepOptions> = {
  description: 'Train a classifier with a weighted sum of losses (default softmax cross-entropy).',
  options: trainStepOptions,
  produces: 'model',
  run: (options, context) => trainClassifier(options, context),
};

/** `core:distill`: knowledge distillation from a frozen teacher (Hinton et al., 2015). */
export const distillStep: StepDefinition<typeof distillStepOptions> = {
  description: 'Train a student from a frozen teacher with a weighted sum of losses (default 0.1 CE + 0.9 KD at T = 4).',
  options: distillStepOptions,
  produces: 'model',
  run: (options, context) => trainClassifier(options, context, context.artifacts.get(options.teacher, 'model').model),
};

/** `core:evaluate`: loss, accuracy, parameters and FLOPs of models on the test or validation split. */
export const evaluateStep: StepDefinition<typeof evaluateStepOptions> = {
  description: 'Evaluate models on the test (or validation) split: loss, accuracy, top-k, parameters, FLOPs.',
  options: evaluateStepOptions,
  produces: () => ({}),
  async run(options, context) {
    const data = context.resolveData(options.data);
    const dataset = options.split === 'test' ? data.test : data.validation;
    if (!dataset) {
      throw new InvalidArgumentError(
        'split',
        options.data === undefined
          ? `core:evaluate: the config has no ${options.split} split; ${options.split === 'validation' ? 'set data.validation > 0 or use split: test' : 'use split: validation'}.`
          : `core:evaluate: dataset "${options.data}" has no ${options.split} split; evaluate on the run's data (leave out "data") or choose another split.`,
      );
    }
    const metrics: Metrics = {};
    for (const name of options.models) {
      const model = context.artifacts.get(name, 'model').model;
      const result = await evaluateClassifier(model, dataset, { batchSize: options.batchSize, normalize: data.normalization, topK: options.topK });
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
  produces: () => ({}),
  async run(options, context) {
    const model = context.artifacts.get(options.model, 'model').model;
    const layersModel = model.toLayersModel();
    if (!layersModel) throw new InvalidArgumentError('model', `core:export: model "${options.model}" (${model.spec.use}) is not expressible as tfjs layers; save its weights from the step's artifacts instead.`);
    const directory = path.join(context.runDirectory, 'exports', options.model);
    await mkdir(directory, { recursive: true });
    await layersModel.save(fileSystemIO(directory));
    const data = context.hasData ? context.data : undefined;
    const preprocessing = {
      inputShape: model.inputShape,
      ...(model.inputShapes === undefined ? {} : { inputShapes: model.inputShapes }),
      layout: 'NHWC',
      scale: data?.normalization ? 'pixels in [0, 1], then (x - mean) / std per channel' : 'as the model was trained',
      normalization: data?.normalization ?? null,
      classNames: data?.train.classNames ?? null,
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
