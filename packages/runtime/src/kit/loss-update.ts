import * as tf from '@tensorflow/tfjs';
import type { ApplyOptions, LoopPosition, Metrics, Model, ModelInputs } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { accuracy } from '../training/accuracy';
import type { CombinedLoss } from '../training/combine-losses';
import type { Optimizer } from '../training/optimizer';

/** Inputs of {@link lossUpdate}. */
export interface LossUpdateOptions {
  model: Model;
  /** Frozen teacher (run in inference mode; never updated), for distillation and generator losses. */
  teacher?: Model;
  /**
   * What the teacher sees: the batch's `inputs` (distillation, the default) or the trained model's
   * `outputs` (a generator trained against a frozen classifier).
   */
  teacherInput?: 'inputs' | 'outputs';
  loss: CombinedLoss;
  optimizer: Optimizer;
  /** The batch: `[batch, ...inputShape]`, or named tensors for a model with several inputs. Owned by the caller. */
  inputs: ModelInputs;
  /** `[batch]` int32 labels. Owned by the caller. */
  labels?: tf.Tensor1D;
  /** `[batch, classes]` soft targets. Owned by the caller. */
  targets?: tf.Tensor2D;
  /** Further named tensors for the losses (`noise`, …). Owned by the caller. */
  tensors?: Readonly<Record<string, tf.Tensor>>;
  position: LoopPosition;
  /** Also report the batch accuracy of the model's logits against `labels` (classification). */
  accuracy?: boolean;
  /**
   * Variables this update trains. Default: every trainable variable of the model (all groups) and
   * the losses' own variables. A supernet's weight step passes `model.trainableVariables('weights')`.
   */
  variables?: tf.Variable[];
  /** Options of the trained model's forward pass (default `{ training: true }`). */
  applyOptions?: ApplyOptions;
}

/**
 * One optimiser step of a model on a weighted sum of losses. The teacher's outputs and tapped
 * features are computed without gradient, unless a term needs gradients through the teacher
 * (`needs.teacherGradient`) or the teacher reads the model's outputs: then inside the gradient
 * scope, so gradients flow through the frozen teacher into the model. Only `variables` are updated.
 * Returns `loss`, `loss_<term>` for each term when there are several, `accuracy` when asked, and
 * `lr` — read with one device sync. Leaks no tensors.
 *
 * Shared by the built-in classifier trainer and plugin trainers (metric learning, architecture
 * search, generator training).
 */
export function lossUpdate(options: LossUpdateOptions): Metrics {
  const { model, teacher, loss, optimizer, inputs, labels, targets, position } = options;
  const teacherInput = options.teacherInput ?? 'inputs';
  const teacherTaps = [...loss.taps.teacher];
  const wantsTeacher = loss.needs.teacher || teacherTaps.length > 0;
  if (wantsTeacher && !teacher) {
    throw new InvalidArgumentError('teacher', 'a loss of this step reads a teacher (e.g. core:kd): give the step a teacher, or remove that loss.');
  }
  const primaryInputs = inputs instanceof tf.Tensor ? inputs : Object.values(inputs)[0];
  const insideScope = wantsTeacher && (loss.needs.teacherGradient || teacherInput === 'outputs');
  let teacherOutputs: tf.Tensor | undefined;
  let teacherFeatures: Record<string, tf.Tensor> = {};
  if (wantsTeacher && !insideScope) {
    const tapped = teacher!.applyWithTaps(inputs, teacherTaps, { training: false });
    teacherOutputs = tapped.output;
    teacherFeatures = tapped.features;
  }
  const kept: tf.Tensor[] = [];
  // Tapped student features: a function model keeps them past the gradient scope (tf.keep), so they are released here.
  const studentFeatures: tf.Tensor[] = [];
  let parts: Record<string, tf.Scalar> = {};
  const variables = options.variables ?? [...model.trainableVariables(), ...loss.variables()];
  try {
    const total = optimizer.minimize(() => {
      const { output, features } = model.applyWithTaps(inputs, [...loss.taps.student], { training: true, ...options.applyOptions });
      studentFeatures.push(...Object.values(features));
      let scopedTeacher = teacherOutputs;
      let scopedTeacherFeatures = teacherFeatures;
      if (insideScope) {
        const tapped = teacher!.applyWithTaps(teacherInput === 'outputs' ? output : inputs, teacherTaps, { training: false });
        scopedTeacher = tapped.output;
        scopedTeacherFeatures = tapped.features;
      }
      const value = loss.compute({
        inputs: primaryInputs,
        labels,
        targets,
        outputs: output,
        teacherOutputs: scopedTeacher,
        features,
        teacherFeatures: scopedTeacherFeatures,
        tensors: options.tensors ?? {},
        epoch: position.epoch,
        step: position.globalStep,
      });
      parts = value.parts;
      if (options.accuracy && labels) kept.push(tf.keep(accuracy(output as tf.Tensor2D, labels)));
      return value.total;
    }, variables);
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
    tf.dispose([...kept, ...Object.values(parts), ...studentFeatures]);
    teacherOutputs?.dispose();
    tf.dispose(Object.values(teacherFeatures));
  }
}
