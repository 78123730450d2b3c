import * as tf from '@tensorflow/tfjs';
import type { ArrayDataset } from '@core/datasets';
import { normalize } from '@core/datasets';
import {
  type CombinedLoss,
  InvalidArgumentError,
  getTrainingState,
  lossUpdate,
  setTrainingState,
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
  if (loss.needs.teacher && teacher === undefined) {
    throw new InvalidArgumentError('teacher', 'a loss of this step reads a teacher (e.g. rkd:distance): use rkd:metric-distill with a teacher, or remove that loss.');
  }
  const recallK = options.recallK ?? [1, 2, 4, 8];
  const evaluateEvery = options.evaluateEvery ?? 1;
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
      try {
        return lossUpdate({ model, teacher, loss, optimizer, inputs, labels, position });
      } finally {
        inputs.dispose();
        labels.dispose();
      }
    },
    async evaluate(epoch: number): Promise<Metrics> {
      if (test === undefined || test.count < 2) return {};
      if ((epoch + 1) % evaluateEvery !== 0 && epoch + 1 !== options.epochs) return {};
      return evaluateRetrieval(model, test, recallK, { normalization: options.normalization });
    },
    getState: () => getTrainingState({ model, lossVariables: () => loss.variables(), optimizer }),
    setState: (state) => setTrainingState({ model, lossVariables: () => loss.variables(), optimizer }, state),
  };
}
