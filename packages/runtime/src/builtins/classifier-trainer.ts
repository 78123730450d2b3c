import * as tf from '@tensorflow/tfjs';
import { createBatches, type ArrayDataset, type Batch } from '@core/datasets';
import type { LoopPosition, Metrics, Model, Trainer } from '../contracts';
import { InvalidArgumentError } from '../errors';
import type { Rng } from '../rng';
import { accuracy } from '../training/accuracy';
import type { CombinedLoss } from '../training/combine-losses';
import { evaluateClassifier } from '../training/evaluate-classifier';
import type { Optimizer } from '../training/optimizer';
import type { LearningRateSchedule } from '../training/learning-rate-schedule';
import { createVariableNaming, getOptimizerState, setOptimizerState } from './optimizer-state';

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
  const studentTaps = [...loss.taps.student];
  const teacherTaps = [...loss.taps.teacher];
  const trainable = () => [...model.trainableVariables(), ...loss.variables()];
  const naming = () =>
    createVariableNaming(
      [{ prefix: 'model/', model }],
      loss.variables().map((variable, index) => ({ name: `loss/${index}`, variable })),
    );

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
      let teacherOutputs: tf.Tensor | undefined;
      let teacherFeatures: Record<string, tf.Tensor> = {};
      if (teacher && (loss.needsTeacher || teacherTaps.length > 0)) {
        const tapped = teacher.applyWithTaps(inputs, teacherTaps, { training: false });
        teacherOutputs = tapped.output;
        teacherFeatures = tapped.features;
      }
      const kept: tf.Tensor[] = [];
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
          kept.push(tf.keep(accuracy(output as tf.Tensor2D, labels)));
          return value.total;
        }, trainable());
        const names = Object.keys(parts);
        const values = tf.tidy(() => tf.stack([total, kept[0], ...names.map((name) => parts[name])]).dataSync());
        total.dispose();
        const metrics: Metrics = { loss: values[0], accuracy: values[1] };
        if (names.length > 1) names.forEach((name, index) => (metrics[`loss_${name}`] = values[index + 2]));
        metrics.lr = optimizer.learningRate;
        return metrics;
      } finally {
        for (const tensor of [...kept, ...Object.values(parts)]) tensor.dispose();
        inputs.dispose();
        labels.dispose();
        teacherOutputs?.dispose();
        for (const tensor of Object.values(teacherFeatures)) tensor.dispose();
      }
    },
    async evaluate(): Promise<Metrics> {
      if (!validation || validation.count === 0) return {};
      const result = await evaluateClassifier(model, validation, { batchSize: 256, normalize: options.normalization });
      return { loss: result.loss, accuracy: result.accuracy };
    },
    getState() {
      const state: tf.NamedTensorMap = {};
      for (const [name, tensor] of Object.entries(model.getWeights())) state[`model/${name}`] = tensor.clone();
      loss.variables().forEach((variable, index) => (state[`loss/${index}`] = variable.clone()));
      for (const [name, tensor] of Object.entries(getOptimizerState(optimizer, naming()))) state[`optimizer/${name}`] = tensor;
      return state;
    },
    setState(state) {
      const weights: tf.NamedTensorMap = {};
      const optimizerState: tf.NamedTensorMap = {};
      const lossVariables = loss.variables();
      for (const [name, tensor] of Object.entries(state)) {
        if (name.startsWith('model/')) weights[name.slice(6)] = tensor;
        else if (name.startsWith('optimizer/')) optimizerState[name.slice(10)] = tensor;
        else if (name.startsWith('loss/')) lossVariables[Number(name.slice(5))]?.assign(tensor);
      }
      model.setWeights(weights);
      setOptimizerState(optimizer, naming(), optimizerState);
    },
  };
}
