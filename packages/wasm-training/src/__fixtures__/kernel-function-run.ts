import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { HostTensor, KernelRun } from './backend-comparison';

/**
 * Calls a kernel function directly on the active backend (not through the registry, so variants that are not
 * registered can be compared) and reports its output plus the tensors and backend buffers left allocated.
 */
export async function runKernelFunction(
  kernelFunc: KernelFunc,
  inputs: Record<string, HostTensor>,
  attrs: NamedAttrMap,
): Promise<KernelRun> {
  const backend = tf.engine().backend as KernelBackend;
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = backend.numDataIds();
  const inputTensors = Object.fromEntries(
    Object.entries(inputs).map(([name, input]) => [name, tf.tensor(input.values, input.shape, input.dtype)]),
  );
  const info = kernelFunc({ inputs: inputTensors, backend, attrs }) as TensorInfo;
  const output = tf.engine().makeTensorFromTensorInfo(info);
  const run = { values: (await output.data()) as Float32Array, shape: output.shape, dtype: output.dtype };
  tf.dispose([output, ...Object.values(inputTensors)]);
  return {
    ...run,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    leakedDataIds: backend.numDataIds() - dataIdsBefore,
  };
}
