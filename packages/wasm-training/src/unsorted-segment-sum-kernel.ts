import type { KernelBackend, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';

/**
 * `UnsortedSegmentSum` for the WebAssembly backend, which tfjs-backend-wasm 4.22.0 lacks; the gradient
 * of `tf.gather` (embeddings, `tf.gather`-based losses) needs it.
 *
 * `x` (`[...segmentIds.shape, ...rest]`) is summed into `[numSegments, ...rest]` (same dtype) by one `ScatterNd`,
 * which adds the rows sent to one index in row order, in the input's precision (the cpu backend adds in double
 * precision: float32 results differ by rounding only).
 * The wasm `ScatterNd` does not check bounds, so ids outside `[0, numSegments)` — which TensorFlow drops —
 * are redirected to one extra row that is cut off afterwards.
 */
export const unsortedSegmentSumKernel: KernelFunc = ({ inputs, backend: kernelBackend, attrs }) => {
  const backend = kernelBackend as KernelBackend;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const rowCount = segmentIds.shape.reduce((product, size) => product * size, 1);
  const rowShape = x.shape.slice(segmentIds.shape.length);

  // The ids are a small int32 vector; checking them on the host is cheaper than any kernel round trip.
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  let allValid = true;
  for (let index = 0; index < ids.length; index += 1) {
    if (ids[index] < 0 || ids[index] >= numSegments) {
      allValid = false;
      break;
    }
  }

  const scope = createKernelScope(backend, 'wasm');
  try {
    const updates = scope.run('Reshape', { x }, { shape: [rowCount, ...rowShape] });
    if (allValid) {
      const indices = scope.run('Reshape', { x: segmentIds }, { shape: [rowCount, 1] });
      return scope.keep(scope.run('ScatterNd', { indices, updates }, { shape: [numSegments, ...rowShape] }));
    }
    const redirected = Int32Array.from(ids, (id) => (id < 0 || id >= numSegments ? numSegments : id));
    const indices = scope.track({
      dataId: backend.write(redirected, [rowCount, 1], 'int32'),
      shape: [rowCount, 1],
      dtype: 'int32',
    });
    const withDiscardRow = scope.run('ScatterNd', { indices, updates }, { shape: [numSegments + 1, ...rowShape] });
    return scope.keep(
      scope.run(
        'Slice',
        { x: withDiscardRow },
        { begin: withDiscardRow.shape.map(() => 0), size: [numSegments, ...rowShape] },
      ),
    );
  } finally {
    scope.dispose();
  }
};
