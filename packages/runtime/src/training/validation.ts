import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '../errors';

/** Throws unless `logits` is `[batch, classes]` with at least one row and one class. */
export function checkLogits(argument: string, logits: tf.Tensor): void {
  if (logits.rank !== 2) {
    throw new InvalidArgumentError(argument, `${argument} must be a rank-2 tensor [batch, classes], got shape [${logits.shape.join(', ')}]`);
  }
  if (logits.shape[0] === 0 || logits.shape[1] === 0) {
    throw new InvalidArgumentError(argument, `${argument} must have at least one example and one class, got shape [${logits.shape.join(', ')}]`);
  }
}

/** Throws unless `labels` is an int32 `[batch]` tensor matching the batch of `logits`. */
export function checkLabels(argument: string, labels: tf.Tensor, logits: tf.Tensor): void {
  if (labels.rank !== 1) {
    throw new InvalidArgumentError(argument, `${argument} must be a rank-1 tensor [batch] of class indices, got shape [${labels.shape.join(', ')}]`);
  }
  if (labels.dtype !== 'int32') {
    throw new InvalidArgumentError(argument, `${argument} must hold int32 class indices, got dtype ${labels.dtype}; cast with tf.cast(labels, 'int32')`);
  }
  if (labels.shape[0] !== logits.shape[0]) {
    throw new InvalidArgumentError(argument, `${argument} has ${labels.shape[0]} entries but the logits have a batch of ${logits.shape[0]}`);
  }
}

/** Throws unless student and teacher logits have the same `[batch, classes]` shape. */
export function checkSameLogits(studentLogits: tf.Tensor, teacherLogits: tf.Tensor): void {
  checkLogits('studentLogits', studentLogits);
  checkLogits('teacherLogits', teacherLogits);
  if (studentLogits.shape[0] !== teacherLogits.shape[0] || studentLogits.shape[1] !== teacherLogits.shape[1]) {
    throw new InvalidArgumentError(
      'teacherLogits',
      `student and teacher logits must have the same [batch, classes] shape, got [${studentLogits.shape.join(', ')}] and [${teacherLogits.shape.join(', ')}]`,
    );
  }
}

/** Throws unless `temperature` is a finite number above 0. */
export function checkTemperature(temperature: number): void {
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new InvalidArgumentError('temperature', `temperature must be a finite number above 0, got ${temperature}`);
  }
}

/** Throws unless `value` is a finite number in `[minimum, maximum]`. */
export function checkRange(argument: string, value: number, minimum: number, maximum: number): void {
  if (!Number.isFinite(value) || value < minimum || value > maximum) {
    throw new InvalidArgumentError(argument, `${argument} must be a number in [${minimum}, ${maximum}], got ${value}`);
  }
}
