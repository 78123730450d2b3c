import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countModelFlops, countModelParams } from './flops';
import { createLeNet5 } from './lenet5';
import { createResNet } from './resnet';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

const megaFlops = (flops: number) => Math.round(flops / 1e4) / 100;

describe('countModelFlops on the TAS reference models', () => {
  it('counts CIFAR ResNet-20 as 40.81 M multiply-accumulates', () => {
    const model = createResNet({ depth: 20, inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
    const layersModel = model.toLayersModel()!;
    // Convs without bias (the avgpool + 1×1 projection shortcuts included) plus the dense layer with its bias.
    expect(countModelFlops(layersModel)).toBe(40_813_194);
    expect(megaFlops(model.countFlops())).toBe(40.81);
    // PyTorch's parameter count of the same network (BN γ/β included, moving statistics excluded).
    expect(countModelParams(layersModel)).toEqual({ total: 273_658, trainable: 272_282, nonTrainable: 1_376 });
    model.dispose();
  });

  it('counts CIFAR ResNet-56 as 125.75 M multiply-accumulates', () => {
    const model = createResNet({ depth: 56, inputShape: [32, 32, 3], numClasses: 10, seed: 1 });
    expect(model.countFlops()).toBe(125_747_850);
    expect(megaFlops(model.countFlops())).toBe(125.75);
    expect(countModelParams(model.toLayersModel()!)).toEqual({ total: 859_642, trainable: 855_578, nonTrainable: 4_064 });
    model.dispose();
  });

  it('counts LeNet-5 at 28×28×1 including bias additions', () => {
    const model = createLeNet5({ inputShape: [28, 28, 1], numClasses: 10, seed: 1 });
    // conv1 28·28·6·25 + 28·28·6, conv2 10·10·16·150 + 10·10·16, dense 400·120+120, 120·84+84, 84·10+10.
    expect(model.countFlops()).toBe(117_600 + 4_704 + 240_000 + 1_600 + 48_120 + 10_164 + 850);
    expect(model.countParams()).toBe(61_706);
    model.dispose();
  });
});

describe('countModelFlops conventions', () => {
  it('counts depthwise, separable and dense-on-sequence layers, and ignores pooling and batch norm', () => {
    const input = tf.input({ shape: [6, 6, 4], name: 'input' });
    let x = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'depthwise' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.separableConv2d({ filters: 5, kernelSize: 3, padding: 'valid', useBias: false, name: 'separable' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reshape({ targetShape: [1, 5], name: 'rows' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 3, name: 'dense' }).apply(x) as tf.SymbolicTensor;
    const layersModel = tf.model({ inputs: input, outputs: x });

    const depthwise = 6 * 6 * (3 * 3 * 4 * 2) + 6 * 6 * 8; // grouped conv with groups = in_c, plus bias
    const separable = 1 * 1 * (3 * 3 * 8 * 1) + 1 * 1 * (8 * 5); // depthwise + pointwise on the 1×1 output grid
    const dense = 1 * (5 * 3) + 3;
    expect(countModelFlops(layersModel)).toBe(depthwise + separable + dense);
    layersModel.dispose();
  });

  it('asks layers that implement countFlops', () => {
    class Doubler extends tf.layers.Layer {
      static readonly className = 'TestDoubler';
      override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
        return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
      }
      countFlops(inputShapes: Array<Array<number | null>>): number {
        return inputShapes[0].slice(1).reduce<number>((product, dimension) => product * (dimension ?? 1), 1);
      }
    }
    const input = tf.input({ shape: [3, 4], name: 'input' });
    const output = new Doubler({ name: 'doubler' }).apply(input) as tf.SymbolicTensor;
    const layersModel = tf.model({ inputs: input, outputs: output });
    expect(countModelFlops(layersModel)).toBe(12);
    layersModel.dispose();
  });
});
