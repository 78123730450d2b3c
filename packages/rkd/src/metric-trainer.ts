import * as tf from '@tensorflow/tfjs';
import type { ArrayDataset } from '@core/datasets';
import { normalize } from '@core/datasets';
import {
  type CombinedLoss,
  InvalidArgumentError,
  type LearningRateSchedule,
  type LoopPosition,
  type Metrics,
  type Model,
  type Optimizer,
  type Rng,
  type Trainer,
} from '@core/runtime';
import { sampleClassBalancedBatches } from './class-balanced-batches';
import { evaluateRetrieval } from './retrieval-evaluation';

/** Options of {@link createMetricTrainer}. */
export interface MetricTrainerOptions {
  name?: string;
  /** The embedding model trained. */
  model: Model;
  /** Frozen teacher for distillation: run in inference mode, outside the gradient scope. */
  teacher?: Model;
  /** Weighted sum of losses (triplet, relational, …); `labels` are given to every term. */
  loss: CombinedLoss;
  optimizer: Optimizer;
  schedule: LearningRateSchedule;
  /** Training images (the training classes). */
  train: ArrayDataset;
  /** Retrieval images, usually of classes not seen in training; evaluated with Recall@K. */
  test?: ArrayDataset;
  epochs: number;
  batchesPerEpoch: number;
  batchSize: number;
  /** Images per class in a batch (`K` of the P × K sampler). */
  imagesPerClass: number;
  /** Per-channel normalisation of the images. */
  normalization?: { mean: readonly number[]; std: readonly number[] };
  /** K values of Recall@K (default `[1, 2, 4, 8]`). */
  recallK?: readonly number[];
  /** Evaluate every this many epochs (and always after the last); default 1. */
  evaluateEvery?: number;
}

function gatherImages(dataset: ArrayDataset, indices: Int32Array, normalization: MetricTrainerOptions['normalization']) {
  const [height, width, channels] = dataset.shape;
  const size = height * width * channels;
  let images: Float32Array = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((source, position) => {
    images.set(dataset.images.subarray(source * size, (source + 1) * size), position * size);
    labels[position] = dataset.labels[source];
  });
  if (normalization !== undefined) images = normalize(images, channels, normalization.mean, normalization.std);
  return { images, labels, shape: [indices.length, height, width, channels] as [number, number, number, number] };
}

/**
 * Maps between tfjs variable names, which carry process-global suffixes (`features/kernel_3`) and so
 * differ between two builds of the same model, and stable state names: `model/<weight name>` for the
 * model's weights, `loss/<index>` for loss variables.
 */
function stableVariableNames(model: Model, loss: CombinedLoss): { toStable: Map<string, string>; toVariable: Map<string, string> } {
  const toStable = new Map<string, string>();
  for (const [key, tensor] of Object.entries(model.getWeights())) {
    const variableName = (tensor as Partial<tf.Variable>).name;
    if (typeof variableName === 'string') toStable.set(variableName, `model/${key}`);
  }
  loss.variables().forEach((variable, index) => toStable.set(variable.name, `loss/${index}`));
  return { toStable, toVariable: new Map([...toStable].map(([variable, stable]) => [stable, variable])) };
}

/** Renames an optimiser state key `<slot>/<variable name>` with `names`; `iterations` and unknown names stay. */
function renameSlot(key: string, names: Map<string, string>): string {
  const separator = key.indexOf('/');
  if (separator < 0) return key;
  const renamed = names.get(key.slice(separator + 1));
  return renamed === undefined ? key : `${key.slice(0, separator)}/${renamed}`;
}

/**
 * The training loop body of deep metric learning and of relational distillation of an embedding
 * (the `run.py` / `run_distill.py` loops of the RKD reference, Park et al. 2019, Sec. 4.1): each epoch
 * draws `batchesPerEpoch` class-balanced batches (P classes × K images, see
 * {@link sampleClassBalancedBatches}); each batch minimises the weighted loss of the student
 * embedding (and the frozen teacher's, computed in inference mode without gradient); after each
 * epoch the student is evaluated by Recall@K on `test`. Metrics: `loss`, `loss_<term>` per term,
 * `lr`; evaluation gives `recall_at_<K>` (reported as `val_recall_at_<K>` by the engine).
 *
 * State for checkpoints: the model weights (`model/<weight name>`), the loss variables
 * (`loss/<index>`) and the optimiser state (`optimizer/<slot>/<state name of the variable>`), all under
 * names that do not depend on tfjs's process-global variable numbering, so a checkpoint restores into a
 * model built later in the same process too. Batches are drawn in `startEpoch` from the epoch's
 * generator, so a resumed run sees the same batches.
 *
 * @throws InvalidArgumentError when a loss reads a teacher and none is given.
 */
export function createMetricTrainer(options: MetricTrainerOptions): Trainer {
  const { model, teacher, loss, optimizer, schedule, train, test } = options;
  if (loss.needsTeacher && teacher === undefined) {
    throw new InvalidArgumentError('teacher', 'a loss of this step reads a teacher (e.g. rkd:distance): use rkd:metric-distill with a teacher, or remove that loss.');
  }
  const recallK = options.recallK ?? [1, 2, 4, 8];
  const evaluateEvery = options.evaluateEvery ?? 1;
  const studentTaps = [...loss.taps.student];
  const teacherTaps = [...loss.taps.teacher];
  const trainable = (): tf.Variable[] => [...model.trainableVariables(), ...loss.variables()];
  let batches: Int32Array[] = [];

  return {
    name: options.name ?? 'metric',
    epochs: options.epochs,
    batchesPerEpoch: () => options.batchesPerEpoch,
    startEpoch(_epoch: number, rng: Rng) {
      batches = sampleClassBalancedBatches(train.labels, {
        batchSize: options.batchSize,
        imagesPerClass: options.imagesPerClass,
        batches: options.batchesPerEpoch,
        random: rng,
      });
    },
    trainBatch(position: LoopPosition): Metrics {
      const batch = gatherImages(train, batches[position.batch], options.normalization);
      optimizer.learningRate = schedule(position.epoch, position.batch);
      const inputs = tf.tensor4d(batch.images, batch.shape);
      const labels = tf.tensor1d(batch.labels, 'int32');
      let teacherOutputs: tf.Tensor | undefined;
      let teacherFeatures: Record<string, tf.Tensor> = {};
      if (teacher !== undefined && (loss.needsTeacher || teacherTaps.length > 0)) {
        const tapped = teacher.applyWithTaps(inputs, teacherTaps, { training: false });
        teacherOutputs = tapped.output;
        teacherFeatures = tapped.features;
      }
      let parts: Record<string, tf.Scalar> = {};
      try {
        const total = optimizer.minimize(() => {
          const { output, features } = model.applyWithTaps(inputs, studentTaps, { training: true });
          const value = loss.compute({
            inputs,
            labels,
            outputs: output,
            teacherOutputs,
            features,
            teacherFeatures,
            epoch: position.epoch,
            step: position.globalStep,
          });
          parts = value.parts;
          return value.total;
        }, trainable());
        const names = Object.keys(parts);
        const values = tf.tidy(() => tf.stack([total, ...names.map((name) => parts[name])]).dataSync());
        total.dispose();
        const metrics: Metrics = { loss: values[0] };
        if (names.length > 1) names.forEach((name, index) => (metrics[`loss_${name}`] = values[index + 1]));
        metrics.lr = optimizer.learningRate;
        return metrics;
      } finally {
        tf.dispose(Object.values(parts));
        inputs.dispose();
        labels.dispose();
        teacherOutputs?.dispose();
        tf.dispose(Object.values(teacherFeatures));
      }
    },
    async evaluate(epoch: number): Promise<Metrics> {
      if (test === undefined || test.count < 2) return {};
      if ((epoch + 1) % evaluateEvery !== 0 && epoch + 1 !== options.epochs) return {};
      return evaluateRetrieval(model, test, recallK, { normalization: options.normalization });
    },
    getState() {
      const names = stableVariableNames(model, loss);
      const state: tf.NamedTensorMap = {};
      for (const [name, tensor] of Object.entries(model.getWeights())) state[`model/${name}`] = tensor.clone();
      loss.variables().forEach((variable, index) => (state[`loss/${index}`] = variable.clone()));
      for (const [key, tensor] of Object.entries(optimizer.getState())) state[`optimizer/${renameSlot(key, names.toStable)}`] = tensor;
      return state;
    },
    setState(state) {
      const names = stableVariableNames(model, loss);
      const weights: tf.NamedTensorMap = {};
      const optimizerState: tf.NamedTensorMap = {};
      const lossVariables = loss.variables();
      for (const [key, tensor] of Object.entries(state)) {
        if (key.startsWith('model/')) weights[key.slice('model/'.length)] = tensor;
        else if (key.startsWith('optimizer/')) optimizerState[renameSlot(key.slice('optimizer/'.length), names.toVariable)] = tensor;
        else if (key.startsWith('loss/')) lossVariables[Number(key.slice('loss/'.length))]?.assign(tensor);
      }
      model.setWeights(weights);
      optimizer.setState(optimizerState);
    },
  };
}
