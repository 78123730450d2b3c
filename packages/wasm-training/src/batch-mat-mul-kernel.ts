import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { buildBatchMatMulModule, runSimdBatchMatMul } from './simd-batch-mat-mul';
import { loadSimdModule } from './simd-module';

const product = (values: readonly number[]) => values.reduce((total, value) => total * value, 1);

/**
 * The batch layout of `a · b` when the SIMD panels apply: float32 operands, more than one matrix, and
 * leading (batch) axes that are equal or, for one operand, all 1 (broadcast). Undefined otherwise.
 */
function simdBatchShape(a: TensorInfo, b: TensorInfo): { batchShape: number[]; aBatch: number; bBatch: number } | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const aLeading = a.shape.slice(0, -2);
  const bLeading = b.shape.slice(0, -2);
  const aBatch = product(aLeading);
  const bBatch = product(bLeading);
  const same = aLeading.length === bLeading.length && aLeading.every((size, axis) => size === bLeading[axis]);
  if (!same && aBatch !== 1 && bBatch !== 1) return undefined;
  const batchShape = aBatch >= bBatch ? aLeading : bLeading;
  return product(batchShape) > 1 ? { batchShape, aBatch, bBatch } : undefined;
}

/**
 * Creates a `BatchMatMul` kernel for the WebAssembly backend that hands `stock` (tfjs-backend-wasm 4.22.0's
 * kernel) only untransposed operands: a transposed operand is first materialised with one `Transpose` of its
 * last two axes. The stock kernel is about 3.5× slower with `transposeA` or `transposeB` set than a transpose
 * followed by the plain product (dense-layer gradients at batch 64: `[64, 400]ᵀ · [64, 120]` 2.9 ms against
 * 0.84 ms), and every dense-layer gradient is such a product. Values are those of the stock kernel.
 *
 * With more than one matrix (a batch > 1, where the stock kernel runs a scalar loop) the product runs in
 * the SIMD panels of `simd-batch-mat-mul.ts` instead, reading a transposed `a` through strides and
 * transposing only a transposed `b`; values then differ from the stock kernel's by float32 rounding.
 */
export function createBatchMatMulKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const batched = simdBatchShape(a, b);
    const simd = batched === undefined ? undefined : loadSimdModule(backend, 'batchMatMul', buildBatchMatMulModule);
    if (batched !== undefined && simd !== undefined) {
      const scope = createKernelScope(backend, 'wasm');
      try {
        const rows = a.shape[a.shape.length - (transposeA ? 1 : 2)];
        const depth = a.shape[a.shape.length - (transposeA ? 2 : 1)];
        const rowMajorB = transposeB ? swapLastAxes(scope, b) : b;
        const columns = rowMajorB.shape[rowMajorB.shape.length - 1];
        const output = scope.keep(simd.allocate([...batched.batchShape, rows, columns]));
        runSimdBatchMatMul(simd, a, rowMajorB, output, {
          batch: product(batched.batchShape),
          rows,
          depth,
          columns,
          transposeA: Boolean(transposeA),
          aBatchStride: batched.aBatch === 1 ? 0 : rows * depth,
          bBatchStride: batched.bBatch === 1 ? 0 : depth * columns,
        });
        return output;
      } finally {
        scope.dispose();
      }
    }
    if (!transposeA && !transposeB) {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const scope = createKernelScope(backend, 'wasm');
    try {
      const result = scope.runFunction(
        stock.kernelFunc,
        { a: transposeA ? swapLastAxes(scope, a) : a, b: transposeB ? swapLastAxes(scope, b) : b },
        { ...attrs, transposeA: false, transposeB: false },
      );
      return scope.keep(result);
    } finally {
      scope.dispose();
    }
  };
}

/** One `Transpose` of the last two axes. */
function swapLastAxes(scope: ReturnType<typeof createKernelScope>, operand: TensorInfo): TensorInfo {
  const rank = operand.shape.length;
  const perm = operand.shape.map((_, axis) => axis);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return scope.run('Transpose', { x: operand }, { perm });
}
