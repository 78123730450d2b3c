import { selectClasses, type ArrayDataset } from '@core/datasets';
import {
  artifactReference,
  InvalidArgumentError,
  lossSpec,
  type Metrics,
  type Model,
  modelReference,
  modelSizeMetrics,
  optimizerOptions,
  scheduleOptions,
  type StepContext,
  type StepDefinition,
  type StepResult,
  trainModel,
} from '@core/runtime';
import { z } from 'zod';
import { createMetricTrainer } from './metric-trainer';
import { evaluateRetrieval } from './retrieval-evaluation';

const classList = z.array(z.int().nonnegative()).min(2);

const metricTrainingFields = {
  /** Classes of the training split used for training (the paper trains and retrieves on disjoint classes). */
  trainClasses: classList.default([0, 1, 2, 3, 4]).describe('classes trained on'),
  /** Classes of the test split used for retrieval. */
  testClasses: classList.default([5, 6, 7, 8, 9]).describe('classes retrieved in the evaluation'),
  epochs: z.int().positive().default(10),
  /** Images per batch. */
  batchSize: z.int().min(2).default(120),
  /** Images of each class in a batch (K of P × K); default: every training class in every batch. */
  imagesPerClass: z.int().min(2).optional().describe('images of each class in a batch (default: batchSize / number of training classes)'),
  /** Batches per epoch; default: training images / batchSize. */
  batchesPerEpoch: z.int().positive().optional().describe('batches per epoch (default: training images / batchSize)'),
  optimizer: optimizerOptions.prefault({ type: 'adam' }),
  schedule: scheduleOptions.prefault({ type: 'constant' }),
  /** K values of Recall@K. */
  recallK: z.array(z.int().positive()).min(1).default([1, 2, 4, 8]),
  /** Evaluate Recall@K every this many epochs (and always after the last). */
  evaluateEvery: z.int().positive().default(1),
};

/** Options of `rkd:metric-train`. */
export const metricTrainStepOptions = z.strictObject({
  /** An embedding model spec (`{ use: rkd:cnn-embedding, dimension: 64, l2normalize: true }`) or an earlier step's model. */
  model: modelReference,
  ...metricTrainingFields,
  /** Weighted losses; default: the triplet loss on the model output. */
  loss: z.array(lossSpec).min(1).default([{ use: 'rkd:triplet' }]),
});

/** Tapped layer of the embedding models holding the embedding before any normalisation. */
const embeddingLayer = 'embedding';

/** Options of `rkd:metric-distill`. */
export const metricDistillStepOptions = z.strictObject({
  /** Name of an earlier step's embedding model, used frozen as the teacher. */
  teacher: artifactReference('model'),
  /** The student: an embedding model spec or an earlier step's model. */
  model: modelReference,
  ...metricTrainingFields,
  /**
   * Weighted losses; default: the paper's metric-learning objective `1·RKD-D + 2·RKD-A` on the
   * `embedding` layers, teacher L2-normalised, student not.
   */
  loss: z
    .array(lossSpec)
    .min(1)
    .default([
      { use: 'rkd:distance', weight: 1, student: embeddingLayer, teacher: embeddingLayer, l2normalizeTeacher: true },
      { use: 'rkd:angle', weight: 2, student: embeddingLayer, teacher: embeddingLayer, l2normalizeTeacher: true },
    ]),
});

/** Options of `rkd:metric-train` as written in a config. */
export type MetricTrainStepOptions = z.input<typeof metricTrainStepOptions>;
/** Options of `rkd:metric-distill` as written in a config. */
export type MetricDistillStepOptions = z.input<typeof metricDistillStepOptions>;

type MetricOptions = z.output<typeof metricTrainStepOptions> | z.output<typeof metricDistillStepOptions>;

function classSubset(dataset: ArrayDataset, classes: readonly number[], option: string, split: string): ArrayDataset {
  const outside = classes.filter((label) => label >= dataset.numClasses);
  if (outside.length > 0) {
    throw new InvalidArgumentError(option, `${option}: class${outside.length === 1 ? '' : 'es'} ${outside.join(', ')} outside the ${dataset.numClasses} classes of the data.`);
  }
  const subset = selectClasses(dataset, classes);
  if (subset.count < 2) {
    throw new InvalidArgumentError(option, `${option}: the ${split} split has ${subset.count} image(s) of classes ${classes.join(', ')}; metric learning needs at least two.`);
  }
  return subset;
}

async function runMetricLearning(options: MetricOptions, context: StepContext, teacher?: Model): Promise<StepResult> {
  const data = context.data;
  const train = classSubset(data.train, options.trainClasses, 'trainClasses', 'training');
  const test = classSubset(data.test, options.testClasses, 'testClasses', 'test');
  const normalization = data.normalization;
  const batchesPerEpoch = options.batchesPerEpoch ?? Math.max(1, Math.floor(train.count / options.batchSize));
  const imagesPerClass = options.imagesPerClass ?? Math.max(2, Math.ceil(options.batchSize / options.trainClasses.length));
  const metrics: Metrics = {};
  if (teacher !== undefined) {
    const teacherRecall = await evaluateRetrieval(teacher, test, options.recallK, { normalization });
    for (const [name, value] of Object.entries(teacherRecall)) metrics[`teacher_${name}`] = value;
  }
  const { model, fit } = await trainModel(context, { ...options, batchesPerEpoch }, ({ model, loss, optimizer, schedule }) =>
    createMetricTrainer({
      name: context.id,
      model,
      teacher,
      loss,
      optimizer,
      schedule,
      train,
      test,
      epochs: options.epochs,
      batchesPerEpoch,
      batchSize: options.batchSize,
      imagesPerClass,
      normalization,
      recallK: options.recallK,
      evaluateEvery: options.evaluateEvery,
    }),
  );
  for (const k of options.recallK) {
    const value = fit.last[`val_recall_at_${k}`];
    if (value !== undefined) metrics[`recall_at_${k}`] = value;
  }
  const recallAt1 = metrics.recall_at_1;
  if (recallAt1 !== undefined) {
    const teacherPart = metrics.teacher_recall_at_1 === undefined ? '' : ` (teacher ${(metrics.teacher_recall_at_1 * 100).toFixed(2)}%)`;
    context.logger.info(`${context.id}: Recall@1 ${(recallAt1 * 100).toFixed(2)}% on classes ${options.testClasses.join(', ')}${teacherPart}`);
  }
  Object.assign(metrics, { loss: fit.last.loss, params: modelSizeMetrics(model).params, seconds: fit.seconds });
  return { artifacts: { [context.id]: { kind: 'model', model } }, metrics };
}

/**
 * `rkd:metric-train` — trains an embedding model for retrieval with the triplet loss (or any weighted
 * losses), on class-balanced batches of `trainClasses`, and reports Recall@K on `testClasses` of the
 * test split (the teacher training of the RKD reference's `run.py`, Park et al. 2019, Sec. 4.1).
 */
export const metricTrainStep: StepDefinition<typeof metricTrainStepOptions> = {
  description: 'Train an embedding model for retrieval (triplet loss by default); Recall@K on held-out classes.',
  options: metricTrainStepOptions,
  needsData: true,
  produces: 'model',
  run: (options, context) => runMetricLearning(options, context),
};

/**
 * `rkd:metric-distill` — trains an embedding student from a frozen embedding teacher with relational
 * distillation only (`1·RKD-D + 2·RKD-A` on the embeddings, teacher L2-normalised, student not; the
 * RKD reference's `run_distill.py`, Park et al. 2019, Sec. 4.1), optionally with more losses such as
 * `rkd:triplet`; reports the student's and the teacher's Recall@K on `testClasses`.
 */
export const metricDistillStep: StepDefinition<typeof metricDistillStepOptions> = {
  description: 'Distil an embedding student from a frozen teacher with RKD (1·distance + 2·angle by default); Recall@K on held-out classes.',
  options: metricDistillStepOptions,
  needsData: true,
  produces: 'model',
  run: (options, context) => runMetricLearning(options, context, context.artifacts.get(options.teacher, 'model').model),
};
