import * as tf from '@tensorflow/tfjs';

/** Seeded initialisers, so cpu and wasm start from the same weights in every run. */
function kernelInitializer(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

/** A dense network on flattened 28×28 images: `[batch, 784]` → `[batch, 10]` logits. */
export function createMultilayerPerceptron(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 32, activation: 'relu', kernelInitializer: kernelInitializer(1) }),
      tf.layers.dense({ units: 10, kernelInitializer: kernelInitializer(2) }),
    ],
  });
}

/** LeNet-5 on `[batch, 28, 28, 1]` with average or max pooling → `[batch, 10]` logits. */
export function createLeNet5(pooling: 'average' | 'max'): tf.LayersModel {
  const pool = () =>
    pooling === 'average' ? tf.layers.averagePooling2d({ poolSize: 2 }) : tf.layers.maxPooling2d({ poolSize: 2 });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 6,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: kernelInitializer(3),
      }),
      pool(),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: kernelInitializer(4) }),
      pool(),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu', kernelInitializer: kernelInitializer(5) }),
      tf.layers.dense({ units: 84, activation: 'relu', kernelInitializer: kernelInitializer(6) }),
      tf.layers.dense({ units: 10, kernelInitializer: kernelInitializer(7) }),
    ],
  });
}

/**
 * A CIFAR ResNet with one basic block per stage (ResNet-8): 3×3 stem, batch norm, stride-2 stages with 1×1
 * projection shortcuts, global average pooling. `[batch, size, size, 3]` → `[batch, 10]` logits.
 */
export function createSmallResNet(size = 32): tf.LayersModel {
  let seed = 10;
  const convolution = (filters: number, kernelSize: number, strides: number) =>
    tf.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: kernelInitializer((seed += 1)),
    });
  const input = tf.input({ shape: [size, size, 3] });
  let features = convolution(16, 3, 1).apply(input) as tf.SymbolicTensor;
  features = tf.layers.batchNormalization().apply(features) as tf.SymbolicTensor;
  features = tf.layers.activation({ activation: 'relu' }).apply(features) as tf.SymbolicTensor;
  for (const [stage, filters] of [16, 32, 64].entries()) {
    const strides = stage === 0 ? 1 : 2;
    let residual = convolution(filters, 3, strides).apply(features) as tf.SymbolicTensor;
    residual = tf.layers.batchNormalization().apply(residual) as tf.SymbolicTensor;
    residual = tf.layers.activation({ activation: 'relu' }).apply(residual) as tf.SymbolicTensor;
    residual = convolution(filters, 3, 1).apply(residual) as tf.SymbolicTensor;
    residual = tf.layers.batchNormalization().apply(residual) as tf.SymbolicTensor;
    let shortcut = features;
    if (strides !== 1) {
      shortcut = convolution(filters, 1, strides).apply(features) as tf.SymbolicTensor;
      shortcut = tf.layers.batchNormalization().apply(shortcut) as tf.SymbolicTensor;
    }
    features = tf.layers.add().apply([residual, shortcut]) as tf.SymbolicTensor;
    features = tf.layers.activation({ activation: 'relu' }).apply(features) as tf.SymbolicTensor;
  }
  features = tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 10, kernelInitializer: kernelInitializer(99) }).apply(features) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
