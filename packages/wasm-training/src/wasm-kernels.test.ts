import * as tf from '@tensorflow/tfjs';
import type { KernelBackend } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { maxRelativeError, randomTensor } from './__fixtures__/backend-comparison';
import { createLeNet5, createMultilayerPerceptron, createSmallResNet } from './__fixtures__/training-models';
import { activateWasmTraining } from './activate-wasm-training';
import { registerWasmTrainingKernels, wasmTrainingKernelNames } from './wasm-kernels';

type Model = { name: string; create: () => tf.LayersModel; inputShape: number[] };

const models: Model[] = [
  { name: 'dense MLP', create: createMultilayerPerceptron, inputShape: [8, 784] },
  { name: 'LeNet-5 with average pooling', create: () => createLeNet5('average'), inputShape: [4, 28, 28, 1] },
  { name: 'LeNet-5 with max pooling', create: () => createLeNet5('max'), inputShape: [4, 28, 28, 1] },
  // 16×16 keeps all three stages (16 → 8 → 4) at a quarter of the cpu reference's cost.
  { name: 'ResNet with batch norm', create: () => createSmallResNet(16), inputShape: [2, 16, 16, 3] },
];

function dataIds(): number {
  return (tf.engine().backend as KernelBackend).numDataIds();
}

/** Inputs and one-hot labels made on the active backend from host values. */
function batchFor(model: Model): { inputs: tf.Tensor; labels: tf.Tensor2D } {
  const input = randomTensor(model.inputShape, 41);
  const batchSize = model.inputShape[0];
  return tf.tidy(() => ({
    inputs: tf.tensor(input.values, model.inputShape),
    labels: tf.oneHot(tf.tensor1d(Array.from({ length: batchSize }, (_, index) => (index * 3) % 10), 'int32'), 10, 1, 0, 'float32') as tf.Tensor2D,
  }));
}

function lossOf(model: tf.LayersModel, inputs: tf.Tensor, labels: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(labels, model.apply(inputs, { training: true }) as tf.Tensor2D) as tf.Scalar;
}

describe('registerWasmTrainingKernels', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('registers every kernel once, however often it is called', () => {
    const warn = vi.spyOn(console, 'warn');
    const before = wasmTrainingKernelNames.map((name) => tf.getKernel(name, 'wasm'));
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    expect(wasmTrainingKernelNames.map((name) => tf.getKernel(name, 'wasm'))).toEqual(before);
    expect(before.every((config) => config != null)).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('covers the kernels training needs', () => {
    expect([...wasmTrainingKernelNames].sort()).toEqual([
      'Add',
      'AvgPoolGrad',
      'BatchMatMul',
      'Cast',
      'Conv2D',
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'Einsum',
      'FusedBatchNorm',
      'FusedConv2D',
      'GatherV2',
      'Identity',
      'MaxPoolGrad',
      'Mean',
      'Multiply',
      'OneHot',
      'RealDiv',
      'ResizeBilinearGrad',
      'ResizeNearestNeighborGrad',
      'Sub',
      'Sum',
      'Tile',
      'UnsortedSegmentSum',
    ]);
  });

  it.each(models)('gives the gradients of a $name like cpu', async (model) => {
    await tf.setBackend('cpu');
    const network = model.create();
    const gradientsOn = async (backendName: string) => {
      await tf.setBackend(backendName);
      const { inputs, labels } = batchFor(model);
      const { value, grads } = tf.variableGrads(() => lossOf(network, inputs, labels));
      const result = {
        loss: (await value.data())[0],
        gradients: Object.fromEntries(Object.entries(grads).map(([name, gradient]) => [name, gradient.dataSync()])),
      };
      tf.dispose([value, inputs, labels, ...Object.values(grads)]);
      return result;
    };
    const expected = await gradientsOn('cpu');
    const actual = await gradientsOn('wasm');
    expect(actual.loss).toBeCloseTo(expected.loss, 5);
    for (const [name, gradient] of Object.entries(expected.gradients)) {
      // Stock wasm reductions accumulate in float32 (cpu in double); batch-norm gradients amplify that a little.
      expect(maxRelativeError(actual.gradients[name], gradient), name).toBeLessThan(1e-4);
    }
    network.dispose();
  });

  it.each(models)('trains a $name with Adam and SGD with momentum without leaking', async (model) => {
    await tf.setBackend('wasm');
    const network = model.create();
    const { inputs, labels } = batchFor(model);
    for (const optimizer of [tf.train.adam(1e-3), tf.train.momentum(0.01, 0.9)]) {
      const step = () => tf.dispose(optimizer.minimize(() => lossOf(network, inputs, labels), true) ?? []);
      // The first step creates the optimizer's slots.
      step();
      const tensorsBefore = tf.memory().numTensors;
      const dataIdsBefore = dataIds();
      step();
      step();
      expect([tf.memory().numTensors - tensorsBefore, dataIds() - dataIdsBefore]).toEqual([0, 0]);
      optimizer.dispose();
    }
    const loss = tf.tidy(() => lossOf(network, inputs, labels).dataSync()[0]);
    expect(Number.isFinite(loss)).toBe(true);
    tf.dispose([inputs, labels]);
    network.dispose();
  });
});
