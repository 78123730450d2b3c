import * as tf from '@tensorflow/tfjs';
import type { KernelBackend } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createKernelScope } from './kernel-scope';

function dataIds(): number {
  return (tf.engine().backend as KernelBackend).numDataIds();
}

describe('createKernelScope', () => {
  it('frees intermediates and hands back the kept result', () => {
    const input = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const before = dataIds();
    const scope = createKernelScope(tf.engine().backend, 'cpu');
    const transposed = scope.run('Transpose', { x: input }, { perm: [1, 0] });
    const doubled = scope.run('Add', { a: transposed, b: transposed });
    scope.keep(doubled);
    scope.dispose();
    expect(dataIds() - before).toBe(1);
    const result = tf.engine().makeTensorFromTensorInfo(doubled);
    expect(Array.from(result.dataSync())).toEqual([2, 6, 4, 8]);
    tf.dispose([result, input]);
  });

  it('frees everything when a kernel throws', () => {
    const input = tf.tensor1d([1, 2, 3]);
    const before = dataIds();
    const scope = createKernelScope(tf.engine().backend, 'cpu');
    expect(() => {
      try {
        scope.run('Neg', { x: input });
        scope.run('NoSuchKernel', { x: input });
      } finally {
        scope.dispose();
      }
    }).toThrow("Kernel 'NoSuchKernel' is not registered for backend 'cpu'.");
    expect(dataIds()).toBe(before);
    input.dispose();
  });
});
