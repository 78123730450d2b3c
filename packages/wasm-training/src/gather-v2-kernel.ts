import * as tf from '@tensorflow/tfjs';
import type { GatherV2Attrs, KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { WasmTrainingError } from './wasm-training-error';

/**
 * Creates a `GatherV2` kernel for the WebAssembly backend that is correct with `batchDims > 0`.
 *
 * The stock kernel of tfjs-backend-wasm 4.22.0 (`stock`) reads every batch's indices as if they addressed the
 * first batch's rows (and past the end of the tensor): `tf.gather([[0, 1, 2, 3], [10, 11, 12, 13], [20, 21, 22, 23]],
 * [[3, 1], [0, 0], [2, 2]], 1, 1)` gives `[3, 1, 10, 12, 20, 4e-44]` instead of `[3, 1, 10, 10, 22, 22]`. Q-networks
 * pick the taken actions' values this way.
 *
 * With `batchDims > 0`, `x` is viewed as `[batch, outer, dim, slice]` and moved to `[batch · dim, outer · slice]`, each
 * batch's indices are offset by `batch · dim` on the host (they are a small int32 tensor, read for bounds checks
 * anyway), and one stock gather on axis 0 picks the rows; output `x.shape[:axis] + indices.shape[batchDims:] +
 * x.shape[axis + 1:]`, values exact. `batchDims = 0` goes to `stock` unchanged.
 */
export function createGatherV2Kernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend: kernelBackend, attrs }) => {
    const { axis, batchDims } = attrs as unknown as GatherV2Attrs;
    if (batchDims === 0) {
      return stock.kernelFunc({ inputs, backend: kernelBackend, attrs });
    }
    const backend = kernelBackend as KernelBackend;
    const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
    const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
    const shapeInfo = tf.backend_util.segment_util.collectGatherOpShapeInfo(x, indices, parsedAxis, batchDims);
    const { batchSize, outerSize, dimSize, sliceSize, outputShape } = shapeInfo;
    const indexValues = backend.readSync(indices.dataId) as Int32Array;
    const perBatch = indexValues.length / batchSize;
    const rowIndices = new Int32Array(indexValues.length);
    for (let position = 0; position < indexValues.length; position += 1) {
      const index = indexValues[position];
      if (index < 0 || index >= dimSize) {
        throw new WasmTrainingError({
          code: 'E_INVALID_ARGUMENT',
          argument: 'indices',
          message: `GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]; pass indices within the gathered axis.`,
        });
      }
      rowIndices[position] = Math.floor(position / perBatch) * dimSize + index;
    }

    const scope = createKernelScope(backend, 'wasm');
    try {
      let rows = scope.run('Reshape', { x }, { shape: [batchSize, outerSize, dimSize, sliceSize] });
      if (outerSize > 1) {
        rows = scope.run('Transpose', { x: rows }, { perm: [0, 2, 1, 3] });
      }
      rows = scope.run('Reshape', { x: rows }, { shape: [batchSize * dimSize, outerSize * sliceSize] });
      const rowIndexInfo = scope.track({
        dataId: backend.write(rowIndices, [rowIndices.length], 'int32'),
        shape: [rowIndices.length],
        dtype: 'int32',
      });
      let gathered = scope.runFunction(
        stock.kernelFunc,
        { x: rows, indices: rowIndexInfo },
        { axis: 0, batchDims: 0 },
      );
      if (outerSize > 1) {
        gathered = scope.run('Reshape', { x: gathered }, { shape: [batchSize, perBatch, outerSize, sliceSize] });
        gathered = scope.run('Transpose', { x: gathered }, { perm: [0, 2, 1, 3] });
      }
      return scope.keep(scope.run('Reshape', { x: gathered }, { shape: outputShape }));
    } finally {
      scope.dispose();
    }
  };
}
