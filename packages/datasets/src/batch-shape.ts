import { DataArgumentError } from './data-errors';
/** `[batch, height, width, channels]` of an NHWC batch. */
export type BatchShape = readonly [number, number, number, number];

/** Checks that `batch` holds exactly the values `shape` describes. */
export function checkBatchShape(batch: Float32Array, shape: BatchShape): void {
  for (const size of shape) {
    if (!Number.isInteger(size) || size < 0) throw new DataArgumentError('batch', `batch shape must be non-negative integers, got [${shape.join(', ')}]`);
  }
  const expected = shape[0] * shape[1] * shape[2] * shape[3];
  if (batch.length !== expected) {
    throw new DataArgumentError('batch', `batch has ${batch.length} values, but shape [${shape.join(', ')}] needs ${expected}`);
  }
}
