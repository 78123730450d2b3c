import * as tf from '@tensorflow/tfjs';
import type { EinsumAttrs, KernelBackend, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { WasmTrainingError } from './wasm-training-error';

/**
 * `Einsum` for the WebAssembly backend, which tfjs-backend-wasm 4.22.0 lacks (`tf.einsum` throws
 * "Kernel 'Einsum' not registered for backend 'wasm'"); capsule networks write pose transforms and agreement
 * sums with it.
 *
 * Follows the cpu backend's plan step by step, with wasm kernels: each operand is transposed to the equation's
 * dimension order and reshaped with size-1 axes for the dimensions it lacks, multiplied (broadcasting) into the
 * running product, and every summed dimension is reduced with `Sum` as soon as no remaining operand uses it.
 * Output `[...sizes of the output subscripts]`, in the operands' dtype; float32 products are summed in float32
 * (the cpu backend too), so values differ from cpu only by rounding. tfjs-core 4.22.0 registers no gradient for
 * `Einsum`, on any backend: it is inference only. Broadcast products above rank 6 exceed what XNNPACK's binary
 * operators take, as for any wasm `Multiply`.
 */
export const einsumKernel: KernelFunc = ({ inputs, backend: kernelBackend, attrs }) => {
  const backend = kernelBackend as KernelBackend;
  const { equation } = attrs as unknown as EinsumAttrs;
  // `tf.einsum` hands its operands over as an array.
  const operands = Object.values(inputs) as TensorInfo[];
  const { allDims, summedDims, idDims } = tf.backend_util.decodeEinsumEquation(equation, operands.length);
  tf.backend_util.checkEinsumDimSizes(allDims.length, idDims, operands as unknown as Tensor[]);
  const { path, steps } = tf.backend_util.getEinsumComputePath(summedDims, idDims);

  const scope = createKernelScope(backend, 'wasm');
  try {
    let product: TensorInfo | undefined;
    let dimsRemaining = allDims.length;
    steps.forEach((operandIndices, step) => {
      for (const operandIndex of operandIndices) {
        const { permutationIndices: perm, expandDims } = tf.backend_util.getEinsumPermutation(
          dimsRemaining,
          idDims[operandIndex],
        );
        let operand = operands[operandIndex];
        if (!tf.backend_util.isIdentityPermutation(perm)) {
          operand = scope.run('Transpose', { x: operand }, { perm });
        }
        const targetShape = operand.shape.slice();
        for (const axis of expandDims) {
          targetShape.splice(axis, 0, 1);
        }
        if (targetShape.length !== operand.shape.length) {
          operand = scope.run('Reshape', { x: operand }, { shape: targetShape });
        }
        product = product == null ? operand : scope.run('Multiply', { a: operand, b: product }, {});
      }
      if (step < steps.length - 1) {
        if (path[step] >= 0 && product != null) {
          product = scope.run('Sum', { x: product }, { axis: path[step] - (allDims.length - dimsRemaining), keepDims: false });
        }
        dimsRemaining -= 1;
      }
    });
    if (product == null) {
      throw new WasmTrainingError({
        code: 'E_INVALID_ARGUMENT',
        argument: 'equation',
        message: `Einsum '${equation}' has no operands: pass at least one tensor.`,
      });
    }
    // A single operand that needed no work is still one of the inputs: the output must own its data.
    const output = operands.includes(product) ? scope.run('Identity', { x: product }, {}) : product;
    return scope.keep(output);
  } finally {
    scope.dispose();
  }
};
