import * as tf from '@tensorflow/tfjs';
import type { LoopPosition, Metrics, Model } from '../contracts';
import { accuracy } from '../training/accuracy';
import type { CombinedLoss } from '../training/combine-losses';
import type { Optimizer } from '../training/optimizer';

/** Inputs of {@link lossUpdate}. */
export interface LossUpdateOptions {
  model: Model;
  /** Frozen teacher (run in inference mode, outside the gradient scope), for distillation losses. */
  teacher?: Model;
  loss: CombinedLoss;
  optimizer: Optimizer;
  /** `[batch, ...inputShape]` images. Owned by the caller. */
  inputs: tf.Tensor;
  /** `[batch]` int32 labels. Owned by the caller. */
  labels?: tf.Tensor1D;
  position: LoopPosition;
  /** Also report the batch accuracy of the model's logits (classification). */
  accuracy?: boolean;
}

/**
 * One optimiser step of a model on a weighted sum of losses: the teacher's outputs and tapped
 * features are computed without gradient, the model's in training mode, and the model's and the
 * losses' own variables are updated. Returns `loss`, `loss_<term>` for each term when there are
 * several, `accuracy` when asked, and `lr` — read with one device sync. Leaks no tensors.
 * Shared by the built-in classifier trainer and plugin trainers (e.g. metric learning).
 */
export function lossUpdate(options: LossUpdateOptions): Metrics {
  const { model, teacher, loss, optimizer, inputs, labels, position } = options;
  const teacherTaps = [...loss.taps.teacher];
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
      const { output, features } = model.applyWithTaps(inputs, [...loss.taps.student], { training: true });
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
      if (options.accuracy && labels) kept.push(tf.keep(accuracy(output as tf.Tensor2D, labels)));
      return value.total;
    }, [...model.trainableVariables(), ...loss.variables()]);
    const names = Object.keys(parts);
    const values = tf.tidy(() => tf.stack([total, ...kept, ...names.map((name) => parts[name])]).dataSync());
    total.dispose();
    const metrics: Metrics = { loss: values[0] };
    if (kept.length > 0) metrics.accuracy = values[1];
    const offset = 1 + kept.length;
    if (names.length > 1) names.forEach((name, index) => (metrics[`loss_${name}`] = values[index + offset]));
    metrics.lr = optimizer.learningRate;
    return metrics;
  } finally {
    tf.dispose([...kept, ...Object.values(parts)]);
    teacherOutputs?.dispose();
    tf.dispose(Object.values(teacherFeatures));
  }
}
