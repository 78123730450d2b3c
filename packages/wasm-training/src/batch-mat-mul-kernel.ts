import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';

/**
 * Creates a `BatchMatMul` kernel for the WebAssembly backend that hands `stock` (tfjs-backend-wasm 4.22.0's
 * kernel) only untransposed operands: a transposed operand is first materialised with one `Transpose` of its
 * last two axes. The stock kernel is about 3.5× slower with `transposeA` or `transposeB` set than a transpose
 * followed by the plain product (dense-layer gradients at batch 64: `[64, 400]ᵀ · [64, 120]` 2.9 ms against
 * 0.84 ms), and every dense-layer gradient is such a product. Values are those of the stock kernel.
 */
export function createBatchMatMulKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    if (!transposeA && !transposeB) {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const scope = createKernelScope(backend, 'wasm');
    try {
      const swapLastAxes = (operand: TensorInfo) => {
        const rank = operand.shape.length;
        const perm = operand.shape.map((_, axis) => axis);
        [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
        return scope.run('Transpose', { x: operand }, { perm });
      };
      const product = scope.runFunction(
        stock.kernelFunc,
        { a: transposeA ? swapLastAxes(a) : a, b: transposeB ? swapLastAxes(b) : b },
        { ...attrs, transposeA: false, transposeB: false },
      );
      return scope.keep(product);
    } finally {
      scope.dispose();
    }
  };
}
