import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';

/** Throws {@link InvalidArgumentError} unless `tensor` has rank `rank`. */
export function assertRank(tensor: tf.Tensor, rank: number, argument: string, caller: string): void {
  if (tensor.rank !== rank) {
    throw new InvalidArgumentError(
      argument,
      `${caller}: ${argument} must have rank ${rank}, got shape [${tensor.shape.join(', ')}]. ` +
        (rank === 2 ? 'Flatten features to [batch, dimension] first.' : 'Pass NHWC feature maps [batch, height, width, channels].'),
    );
  }
}

/** Throws {@link InvalidArgumentError} unless the student and teacher tensors have the same batch size. */
export function assertSameBatch(student: tf.Tensor, teacher: tf.Tensor, caller: string): void {
  if (student.shape[0] !== teacher.shape[0]) {
    throw new InvalidArgumentError(
      'teacher',
      `${caller}: student and teacher must describe the same examples, got batch sizes ${student.shape[0]} (student) and ${teacher.shape[0]} (teacher). ` +
        'Feed the same batch to both models.',
    );
  }
}
