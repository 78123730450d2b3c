import type { KernelConfig, KernelFunc, OneHotAttrs, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';

/**
 * Creates a `OneHot` kernel for the WebAssembly backend that is correct for every dtype.
 *
 * The stock kernel of tfjs-backend-wasm 4.22.0 always writes int32 bit patterns, so with `dtype: 'float32'`
 * a 1 reads back as 1.4e-45. Here the stock kernel (`stock`) computes an int32 0/1 mask, which is cast and
 * scaled: `mask · onValue + (1 − mask) · offValue`, exact for any on/off values. Output `[...indices.shape, depth]`.
 */
export function createOneHotKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dtype, depth, onValue, offValue } = attrs as unknown as OneHotAttrs;
    if (dtype !== 'float32') {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const { indices } = inputs as { indices: TensorInfo };
    const scope = createKernelScope(backend, 'wasm');
    try {
      const integerMask = scope.runFunction(stock.kernelFunc, { indices }, { depth, onValue: 1, offValue: 0, dtype: 'int32' });
      const mask = scope.run('Cast', { x: integerMask }, { dtype: 'float32' });
      if (offValue === 0 && onValue === 1) {
        return scope.keep(mask);
      }
      const scalar = (value: number) => scope.run('Fill', {}, { shape: [], value, dtype: 'float32' });
      const onPart = scope.run('Multiply', { a: mask, b: scalar(onValue) }, {});
      if (offValue === 0) {
        return scope.keep(onPart);
      }
      const inverseMask = scope.run('Sub', { a: scalar(1), b: mask }, {});
      const offPart = scope.run('Multiply', { a: inverseMask, b: scalar(offValue) }, {});
      return scope.keep(scope.run('Add', { a: onPart, b: offPart }, {}));
    } finally {
      scope.dispose();
    }
  };
}
