import * as tf from '@tensorflow/tfjs';
import type { KernelBackend } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostTensor } from './__fixtures__/backend-comparison';
import { floatTensor, integerTensor, maxRelativeError, randomTensor } from './__fixtures__/backend-comparison';
import { activateWasmTraining } from './activate-wasm-training';

/**
 * Every op the toolkit's plugins train with (CNNs, ResNets, capsule networks, generators, Tucker students,
 * Q-networks), run forward and backward on `cpu` and on `wasm` from the same host values. A case that throws
 * on wasm names a kernel tfjs-backend-wasm 4.22.0 lacks; a mismatch names one it gets wrong.
 */

type Tensors = Record<string, tf.Tensor>;

interface OpCase {
  name: string;
  /** Float inputs; gradients are taken with respect to each of them. */
  variables: Record<string, HostTensor>;
  /** Inputs held constant: indices, masks, conditions. */
  constants?: Record<string, HostTensor>;
  apply(inputs: Tensors): tf.Tensor | tf.Tensor[];
  /** Relative tolerance of values and gradients: float32 rounding unless a comment says why it is looser. */
  tolerance?: number;
  /** Set when only the forward value is compared, with the reason. */
  valueOnly?: string;
  /**
   * `adjoint`: the cpu backend's gradient kernel is wrong for this case, so the expected gradient is the adjoint
   * of the cpu forward op instead (the op must be linear in its only variable).
   */
  reference?: 'adjoint';
}

const defaultTolerance = 1e-4;

/** Values in [-scale, scale). */
function random(shape: number[], seed: number, scale = 1): HostTensor {
  const tensor = randomTensor(shape, seed);
  return { ...tensor, values: tensor.values.map((value) => value * scale) as Float32Array };
}

/** Values in [low, low + width), for sqrt, log, pow bases, variances. */
function positive(shape: number[], seed: number, low = 0.5, width = 1): HostTensor {
  const tensor = randomTensor(shape, seed);
  return { ...tensor, values: tensor.values.map((value) => low + ((value + 1) / 2) * width) as Float32Array };
}

/** One-hot float rows of `[rows, depth]` with the hot position at `hot[row]`. */
function oneHotRows(hot: number[], depth: number): HostTensor {
  return floatTensor(
    hot.flatMap((position) => Array.from({ length: depth }, (_, index) => (index === position ? 1 : 0))),
    [hot.length, depth],
  );
}

const as4d = (tensor: tf.Tensor) => tensor as tf.Tensor4D;

const convolutionCases: OpCase[] = [
  ...(
    [
      { stride: 1, pad: 'same', kernel: 3, input: [2, 4, 4, 3], output: [2, 4, 4, 2] },
      { stride: 1, pad: 'valid', kernel: 3, input: [1, 4, 4, 3], output: [1, 6, 6, 2] },
      { stride: 2, pad: 'same', kernel: 3, input: [2, 3, 3, 3], output: [2, 6, 6, 2] },
      { stride: 2, pad: 'same', kernel: 4, input: [2, 3, 3, 3], output: [2, 6, 6, 2] },
      { stride: 2, pad: 'same', kernel: 5, input: [1, 3, 4, 3], output: [1, 6, 8, 2] },
      { stride: 2, pad: 'valid', kernel: 3, input: [2, 3, 3, 3], output: [2, 7, 7, 2] },
    ] as const
  ).map(
    ({ stride, pad, kernel, input, output }, index): OpCase => ({
      name: `conv2dTranspose ${kernel}×${kernel} stride ${stride} ${pad}`,
      variables: { x: random([...input], 100 + index), filter: random([kernel, kernel, 2, 3], 110 + index, 0.5) },
      apply: ({ x, filter }) =>
        tf.conv2dTranspose(as4d(x), as4d(filter), [...output] as [number, number, number, number], stride, pad),
    }),
  ),
  {
    name: 'conv2d 1×1 stride 1',
    variables: { x: random([2, 5, 5, 4], 120), filter: random([1, 1, 4, 3], 121) },
    apply: ({ x, filter }) => tf.conv2d(as4d(x), as4d(filter), 1, 'valid'),
  },
  {
    name: 'conv2d 1×1 stride 2',
    variables: { x: random([2, 5, 5, 4], 122), filter: random([1, 1, 4, 3], 123) },
    apply: ({ x, filter }) => tf.conv2d(as4d(x), as4d(filter), 2, 'same'),
  },
  {
    name: 'conv2d 3×3 stride 2 same',
    variables: { x: random([2, 7, 7, 3], 124), filter: random([3, 3, 3, 4], 125) },
    apply: ({ x, filter }) => tf.conv2d(as4d(x), as4d(filter), 2, 'same'),
  },
  {
    name: 'conv2d 3×3 stride 2 valid',
    variables: { x: random([2, 8, 8, 3], 126), filter: random([3, 3, 3, 4], 127) },
    apply: ({ x, filter }) => tf.conv2d(as4d(x), as4d(filter), 2, 'valid'),
  },
  {
    name: 'conv2d 5×5 stride 1 same',
    variables: { x: random([1, 6, 6, 2], 128), filter: random([5, 5, 2, 3], 129) },
    apply: ({ x, filter }) => tf.conv2d(as4d(x), as4d(filter), 1, 'same'),
  },
  {
    name: 'depthwiseConv2d 3×3 stride 1 same, multiplier 2',
    variables: { x: random([2, 5, 5, 3], 130), filter: random([3, 3, 3, 2], 131) },
    apply: ({ x, filter }) => tf.depthwiseConv2d(as4d(x), as4d(filter), 1, 'same'),
  },
  {
    name: 'depthwiseConv2d 3×3 stride 2 valid',
    variables: { x: random([2, 7, 7, 2], 132), filter: random([3, 3, 2, 1], 133) },
    apply: ({ x, filter }) => tf.depthwiseConv2d(as4d(x), as4d(filter), 2, 'valid'),
  },
  {
    name: 'separableConv2d stride 1 same',
    variables: {
      x: random([2, 6, 6, 3], 134),
      depthwise: random([3, 3, 3, 2], 135),
      pointwise: random([1, 1, 6, 4], 136),
    },
    apply: ({ x, depthwise, pointwise }) => tf.separableConv2d(as4d(x), as4d(depthwise), as4d(pointwise), 1, 'same'),
  },
  {
    name: 'separableConv2d stride 2 valid',
    variables: {
      x: random([1, 7, 7, 2], 137),
      depthwise: random([3, 3, 2, 1], 138),
      pointwise: random([1, 1, 2, 3], 139),
    },
    apply: ({ x, depthwise, pointwise }) => tf.separableConv2d(as4d(x), as4d(depthwise), as4d(pointwise), 2, 'valid'),
  },
];

/**
 * tfjs-backend-cpu 4.22.0's resize gradients are no reference: `ResizeBilinearGrad` returns shape
 * `[batch, width, height, channels]` (so `tf.grad` throws for non-square images), `ResizeNearestNeighborGrad`
 * offsets every batch but the first wrongly, and both ignore `halfPixelCenters`. These cases compare wasm with
 * the adjoint of the cpu forward op.
 */
const resizeCases: OpCase[] = (
  [
    { size: [6, 8], alignCorners: false, halfPixelCenters: false },
    { size: [5, 7], alignCorners: false, halfPixelCenters: false },
    { size: [5, 7], alignCorners: true, halfPixelCenters: false },
    { size: [6, 8], alignCorners: true, halfPixelCenters: false },
    { size: [6, 8], alignCorners: false, halfPixelCenters: true },
    { size: [5, 7], alignCorners: false, halfPixelCenters: true },
    { size: [2, 3], alignCorners: false, halfPixelCenters: true },
  ] as const
).flatMap(({ size, alignCorners, halfPixelCenters }, index): OpCase[] => {
  const label = `to ${size.join('×')}${alignCorners ? ', alignCorners' : ''}${halfPixelCenters ? ', halfPixelCenters' : ''}`;
  return [
    {
      name: `resizeNearestNeighbor 3×4 ${label}`,
      variables: { images: random([2, 3, 4, 2], 140 + index) },
      apply: ({ images }) => tf.image.resizeNearestNeighbor(as4d(images), [...size], alignCorners, halfPixelCenters),
      reference: 'adjoint',
    },
    {
      name: `resizeBilinear 3×4 ${label}`,
      variables: { images: random([2, 3, 4, 2], 150 + index) },
      apply: ({ images }) => tf.image.resizeBilinear(as4d(images), [...size], alignCorners, halfPixelCenters),
      reference: 'adjoint',
    },
  ];
});

/** tfjs-layers' BatchNormalization in training mode: batch moments over every axis but the last, then batchNorm. */
function layersBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, axis) => axis);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
}

const normalizationCases: OpCase[] = [
  {
    name: 'batchNorm in training mode (moments + batchNorm), 4-D',
    variables: { x: random([4, 3, 3, 5], 160, 2), gamma: positive([5], 161), beta: random([5], 162) },
    apply: ({ x, gamma, beta }) => layersBatchNorm(x, gamma, beta),
  },
  {
    name: 'batchNorm in training mode (moments + batchNorm), 2-D',
    variables: { x: random([6, 5], 163, 2), gamma: positive([5], 164), beta: random([5], 165) },
    apply: ({ x, gamma, beta }) => layersBatchNorm(x, gamma, beta),
  },
  {
    name: 'moments variance (EM routing)',
    variables: { x: random([3, 4, 5], 166) },
    apply: ({ x }) => {
      const { mean, variance } = tf.moments(x, [1], true);
      return [mean, variance];
    },
  },
];

const activationCases: OpCase[] = [
  { name: 'relu', variables: { x: random([4, 5], 170) }, apply: ({ x }) => tf.relu(x) },
  { name: 'leakyRelu', variables: { x: random([4, 5], 171) }, apply: ({ x }) => tf.leakyRelu(x, 0.2) },
  { name: 'elu', variables: { x: random([4, 5], 172, 3) }, apply: ({ x }) => tf.elu(x) },
  { name: 'selu', variables: { x: random([4, 5], 173, 3) }, apply: ({ x }) => tf.selu(x) },
  {
    name: 'prelu with per-channel alpha',
    variables: { x: random([2, 3, 3, 4], 174), alpha: random([4], 175, 0.3) },
    apply: ({ x, alpha }) => tf.prelu(x, alpha),
  },
  { name: 'relu6', variables: { x: random([4, 6], 176, 9) }, apply: ({ x }) => tf.relu6(x) },
  { name: 'tanh', variables: { x: random([4, 5], 177, 3) }, apply: ({ x }) => tf.tanh(x) },
  { name: 'sigmoid', variables: { x: random([4, 5], 178, 4) }, apply: ({ x }) => tf.sigmoid(x) },
  { name: 'softplus', variables: { x: random([4, 5], 179, 4) }, apply: ({ x }) => tf.softplus(x) },
  { name: 'softmax on the last axis', variables: { x: random([3, 5], 180, 3) }, apply: ({ x }) => tf.softmax(x) },
  {
    name: 'softmax over routes (rank 3, last axis)',
    variables: { x: random([2, 4, 3], 181, 2) },
    apply: ({ x }) => tf.softmax(x, -1),
  },
  { name: 'logSoftmax', variables: { x: random([3, 5], 182, 3) }, apply: ({ x }) => tf.logSoftmax(x) },
  {
    name: 'logSumExp on axis 1, keepDims',
    variables: { x: random([3, 5, 2], 183, 3) },
    apply: ({ x }) => tf.logSumExp(x, 1, true),
  },
  { name: 'logSumExp of everything', variables: { x: random([3, 4], 184, 3) }, apply: ({ x }) => tf.logSumExp(x) },
];

const gatherCases: OpCase[] = [
  {
    name: 'gather on axis 0 with repeated indices',
    variables: { x: random([5, 3], 190) },
    constants: { indices: integerTensor([1, 1, 3, 0]) },
    apply: ({ x, indices }) => tf.gather(x, indices, 0),
  },
  {
    name: 'gather on axis 1 of a rank-3 tensor',
    variables: { x: random([3, 5, 2], 191) },
    constants: { indices: integerTensor([4, 0, 0, 2]) },
    apply: ({ x, indices }) => tf.gather(x, indices, 1),
  },
  {
    name: 'gather on axis 1 with batchDims 1 (taken actions)',
    variables: { x: random([3, 4], 192) },
    constants: { indices: integerTensor([3, 1, 0, 0, 2, 2], [3, 2]) },
    apply: ({ x, indices }) => tf.gather(x, indices, 1, 1),
  },
  {
    name: 'gather on axis 2 with batchDims 1 (rows between batch and axis)',
    variables: { x: random([2, 3, 4], 196) },
    constants: { indices: integerTensor([3, 0, 1, 1, 2, 0], [2, 3]) },
    apply: ({ x, indices }) => tf.gather(x, indices, 2, 1),
  },
  {
    name: 'gatherND',
    variables: { x: random([4, 3, 2], 193) },
    constants: { indices: integerTensor([0, 1, 3, 2, 1, 0], [3, 2]) },
    apply: ({ x, indices }) => tf.gatherND(x, indices),
    valueOnly: 'tfjs-core 4.22.0 registers no GatherNd gradient (checked below)',
  },
  {
    name: 'oneHot mask + sum (taken actions without gather)',
    variables: { q: random([4, 3], 194) },
    constants: { actions: integerTensor([2, 0, 1, 2]) },
    apply: ({ q, actions }) => tf.sum(tf.mul(q, tf.oneHot(actions, 3)), 1),
  },
];

const matMulCases: OpCase[] = [
  ...([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ] as const).map(
    ([transposeA, transposeB], index): OpCase => ({
      name: `matMul 2-D${transposeA ? ', transposeA' : ''}${transposeB ? ', transposeB' : ''}`,
      variables: {
        a: random(transposeA ? [4, 3] : [3, 4], 200 + index),
        b: random(transposeB ? [5, 4] : [4, 5], 210 + index),
      },
      apply: ({ a, b }) => tf.matMul(a, b, transposeA, transposeB),
    }),
  ),
  {
    name: 'batched matMul 3-D',
    variables: { a: random([2, 3, 4], 220), b: random([2, 4, 5], 221) },
    apply: ({ a, b }) => tf.matMul(a, b),
  },
  {
    name: 'batched matMul 3-D, transposeA and transposeB',
    variables: { a: random([2, 4, 3], 222), b: random([2, 5, 4], 223) },
    apply: ({ a, b }) => tf.matMul(a, b, true, true),
  },
  // tfjs-core 4.22.0 cannot differentiate matMul over broadcast batch axes, nor tile above rank 4 (see the
  // defects below): these broadcast explicitly with tile at rank ≤ 4, whose gradient sums over the copies.
  {
    name: 'batched matMul 3-D, batch broadcast by tile',
    variables: { a: random([2, 3, 4], 224), b: random([1, 4, 5], 225) },
    apply: ({ a, b }) => tf.matMul(a, tf.tile(b, [2, 1, 1])),
  },
  {
    name: 'batched matMul 4-D, both batch axes broadcast by tile',
    variables: { a: random([2, 1, 3, 4], 226), b: random([1, 3, 4, 2], 227) },
    apply: ({ a, b }) => tf.matMul(tf.tile(a, [1, 3, 1, 1]), tf.tile(b, [2, 1, 1, 1])),
  },
  {
    name: 'batched matMul 4-D, batch broadcast by tile, transposeB',
    variables: { a: random([2, 3, 3, 4], 228), b: random([1, 3, 2, 4], 229) },
    apply: ({ a, b }) => tf.matMul(a, tf.tile(b, [2, 1, 1, 1]), false, true),
  },
  {
    name: 'pose transform (capsule votes) as a 4-D matMul, weights tiled over the batch',
    variables: { u: random([2, 4, 3], 230), weights: random([4, 2, 3, 3], 231) },
    apply: ({ u, weights }) => {
      // votes[b, i, j] = weights[i, j] · u[b, i], for 4 input and 2 output capsules of 3.
      const tiledWeights = tf.tile(tf.reshape(weights, [1, 8, 3, 3]), [2, 1, 1, 1]);
      const tiledPoses = tf.reshape(tf.tile(tf.reshape(u, [2, 4, 1, 3]), [1, 1, 2, 1]), [2, 8, 3, 1]);
      return tf.reshape(tf.matMul(tiledWeights, tiledPoses), [2, 4, 2, 3]);
    },
  },
  {
    name: 'einsum-like broadcasting product (mul + sum)',
    variables: { u: random([2, 4, 1, 1, 3], 232), weights: random([1, 4, 2, 3, 3], 233) },
    apply: ({ u, weights }) => tf.sum(tf.mul(weights, u), -1),
  },
  {
    name: 'einsum bij,bjk->bik',
    variables: { a: random([2, 3, 4], 234), b: random([2, 4, 2], 235) },
    apply: ({ a, b }) => tf.einsum('bij,bjk->bik', a, b),
    valueOnly: 'tfjs-core 4.22.0 registers no Einsum gradient (checked below)',
  },
  {
    name: 'einsum ij,j->i',
    variables: { a: random([3, 4], 236), b: random([4], 237) },
    apply: ({ a, b }) => tf.einsum('ij,j->i', a, b),
    valueOnly: 'tfjs-core 4.22.0 registers no Einsum gradient (checked below)',
  },
  {
    name: 'einsum bik,bjk->bij',
    variables: { a: random([2, 3, 4], 238), b: random([2, 5, 4], 239) },
    apply: ({ a, b }) => tf.einsum('bik,bjk->bij', a, b),
    valueOnly: 'tfjs-core 4.22.0 registers no Einsum gradient (checked below)',
  },
];

const reductionCases: OpCase[] = [
  { name: 'sum on axis 1', variables: { x: random([3, 4, 2], 240) }, apply: ({ x }) => tf.sum(x, 1) },
  { name: 'mean over axes 0 and 2', variables: { x: random([3, 4, 2], 241) }, apply: ({ x }) => tf.mean(x, [0, 2]) },
  { name: 'max on axis 1', variables: { x: random([3, 5], 242) }, apply: ({ x }) => tf.max(x, 1) },
  { name: 'max of everything', variables: { x: random([3, 5], 243) }, apply: ({ x }) => tf.max(x) },
  { name: 'min on the last axis, keepDims', variables: { x: random([2, 3, 4], 244) }, apply: ({ x }) => tf.min(x, -1, true) },
  {
    name: 'argMax on axis 1',
    variables: { x: random([4, 5], 245) },
    apply: ({ x }) => tf.argMax(x, 1),
    valueOnly: 'an index: its gradient is zero by definition',
  },
  { name: 'norm (euclidean) of everything', variables: { x: random([3, 4], 246) }, apply: ({ x }) => tf.norm(x) },
  {
    name: 'norm (euclidean) on the last axis',
    variables: { x: random([3, 4], 247) },
    apply: ({ x }) => tf.norm(x, 'euclidean', -1),
  },
];

const elementwiseCases: OpCase[] = [
  { name: 'sqrt', variables: { x: positive([3, 4], 250) }, apply: ({ x }) => tf.sqrt(x) },
  { name: 'rsqrt', variables: { x: positive([3, 4], 251) }, apply: ({ x }) => tf.rsqrt(x) },
  { name: 'square', variables: { x: random([3, 4], 252, 2) }, apply: ({ x }) => tf.square(x) },
  {
    name: 'pow with tensor base and exponent',
    variables: { base: positive([3, 4], 253), exponent: random([3, 4], 254, 2) },
    apply: ({ base, exponent }) => tf.pow(base, exponent),
  },
  {
    name: 'pow with a scalar exponent (squash)',
    variables: { base: positive([3, 4], 255) },
    apply: ({ base }) => tf.pow(base, tf.scalar(1.5)),
  },
  { name: 'exp', variables: { x: random([3, 4], 256, 3) }, apply: ({ x }) => tf.exp(x) },
  { name: 'log', variables: { x: positive([3, 4], 257, 0.1, 3) }, apply: ({ x }) => tf.log(x) },
  { name: 'log1p', variables: { x: positive([3, 4], 258, -0.5, 3) }, apply: ({ x }) => tf.log1p(x) },
  { name: 'abs', variables: { x: random([3, 4], 259) }, apply: ({ x }) => tf.abs(x) },
  // Same shapes: tfjs-core 4.22.0's Maximum, Minimum and SquaredDifference gradients do not reduce over
  // broadcast axes (see the defects below).
  {
    name: 'maximum',
    variables: { a: random([3, 4], 260), b: random([3, 4], 261) },
    apply: ({ a, b }) => tf.maximum(a, b),
  },
  {
    name: 'minimum',
    variables: { a: random([3, 4], 262), b: random([3, 4], 263) },
    apply: ({ a, b }) => tf.minimum(a, b),
  },
  { name: 'clipByValue', variables: { x: random([4, 5], 264) }, apply: ({ x }) => tf.clipByValue(x, -0.5, 0.4) },
  {
    name: 'where',
    variables: { a: random([3, 4], 265), b: random([3, 4], 266) },
    constants: { condition: random([3, 4], 267) },
    apply: ({ a, b, condition }) => tf.where(tf.greater(condition, 0), a, b),
  },
  {
    name: 'squaredDifference',
    variables: { a: random([3, 4], 268), b: random([3, 4], 269) },
    apply: ({ a, b }) => tf.squaredDifference(a, b),
  },
  {
    name: 'maximum with a broadcast operand tiled first',
    variables: { a: random([3, 4], 271), b: random([1, 4], 272) },
    apply: ({ a, b }) => tf.maximum(a, tf.tile(b, [3, 1])),
  },
  {
    name: 'squash s·|s|/(1+|s|²)',
    variables: { s: random([2, 3, 4], 270, 2) },
    apply: ({ s }) => {
      const squaredNorm = tf.sum(tf.square(s), -1, true);
      return tf.div(tf.mul(s, tf.sqrt(tf.add(squaredNorm, 1e-7))), tf.add(squaredNorm, 1));
    },
  },
];

const structureCases: OpCase[] = [
  {
    name: 'concat on axis 1',
    variables: { a: random([2, 2, 3], 280), b: random([2, 1, 3], 281), c: random([2, 3, 3], 282) },
    apply: ({ a, b, c }) => tf.concat([a, b, c], 1),
  },
  {
    name: 'split into sizes on axis 1',
    variables: { x: random([2, 6, 2], 283) },
    apply: ({ x }) => tf.split(x, [2, 1, 3], 1),
  },
  {
    name: 'split evenly on the last axis',
    variables: { x: random([3, 4], 284) },
    apply: ({ x }) => tf.split(x, 2, -1),
  },
  { name: 'slice', variables: { x: random([4, 5, 3], 285) }, apply: ({ x }) => tf.slice(x, [1, 0, 1], [2, 4, -1]) },
  {
    name: 'stridedSlice',
    variables: { x: random([5, 6], 286) },
    apply: ({ x }) => tf.stridedSlice(x, [1, 0], [5, 6], [2, 3]),
    valueOnly: 'tfjs-core 4.22.0 registers no StridedSlice gradient (checked below)',
  },
  {
    name: 'stack on axis 1',
    variables: { a: random([2, 3], 287), b: random([2, 3], 288) },
    apply: ({ a, b }) => tf.stack([a, b], 1),
  },
  { name: 'unstack on axis 1', variables: { x: random([2, 3, 2], 289) }, apply: ({ x }) => tf.unstack(x, 1) },
  {
    name: 'pad (constant 0.5)',
    variables: { x: random([2, 3, 2], 290) },
    apply: ({ x }) => tf.pad(x, [[0, 1], [2, 1], [1, 0]], 0.5),
  },
  {
    // tfjs-core 4.22.0's MirrorPad gradient drops the mirrored copies' share (see the defects below): this
    // checks that wasm agrees with cpu, not that the gradient is right.
    name: 'mirrorPad reflect',
    variables: { x: random([2, 4, 3], 291) },
    apply: ({ x }) => tf.mirrorPad(x, [[0, 0], [2, 1], [1, 1]], 'reflect'),
  },
  {
    name: 'mirrorPad symmetric',
    variables: { x: random([2, 4, 3], 292) },
    apply: ({ x }) => tf.mirrorPad(x, [[1, 0], [2, 2], [0, 1]], 'symmetric'),
  },
  {
    name: 'transpose',
    variables: { x: random([2, 3, 4], 293) },
    apply: ({ x }) => tf.transpose(x, [2, 0, 1]),
  },
  { name: 'tile', variables: { x: random([2, 3], 294) }, apply: ({ x }) => tf.tile(x, [3, 2]) },
  {
    name: 'expandDims, squeeze and reshape',
    variables: { x: random([2, 6], 295) },
    apply: ({ x }) => tf.reshape(tf.squeeze(tf.expandDims(tf.expandDims(x, 1), -1), [1]), [3, 2, 2]),
  },
  { name: 'cumsum on axis 1', variables: { x: random([3, 5], 296) }, apply: ({ x }) => tf.cumsum(x, 1) },
  {
    name: 'cumsum exclusive',
    variables: { x: random([3, 5], 297) },
    apply: ({ x }) => tf.cumsum(x, 1, true, false),
  },
  // tfjs-core 4.22.0's Cumsum gradient is only right on the last axis (see the defects below).
  {
    name: 'cumsum reverse exclusive',
    variables: { x: random([4, 3], 298) },
    apply: ({ x }) => tf.cumsum(x, 1, true, true),
  },
  {
    name: 'cumsum on axis 0 by transposing to the last axis',
    variables: { x: random([4, 3], 299) },
    apply: ({ x }) => tf.transpose(tf.cumsum(tf.transpose(x), 1)),
  },
];

const lossCases: OpCase[] = [
  {
    name: 'huberLoss (delta 0.5)',
    variables: { labels: random([4, 3], 300, 2), predictions: random([4, 3], 301, 2) },
    apply: ({ labels, predictions }) => tf.losses.huberLoss(labels, predictions, undefined, 0.5),
  },
  {
    name: 'meanSquaredError',
    variables: { labels: random([4, 3], 302), predictions: random([4, 3], 303) },
    apply: ({ labels, predictions }) => tf.losses.meanSquaredError(labels, predictions),
  },
  {
    name: 'softmaxCrossEntropy',
    variables: { labels: oneHotRows([2, 0, 1, 2], 3), logits: random([4, 3], 304, 3) },
    apply: ({ labels, logits }) => tf.losses.softmaxCrossEntropy(labels, logits),
  },
  {
    name: 'softmaxCrossEntropy with label smoothing',
    variables: { labels: oneHotRows([1, 0, 3], 4), logits: random([3, 4], 305, 3) },
    apply: ({ labels, logits }) => tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0.1),
  },
  {
    name: 'sigmoidCrossEntropy',
    variables: { labels: floatTensor([1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0], [4, 3]), logits: random([4, 3], 306, 3) },
    apply: ({ labels, logits }) => tf.losses.sigmoidCrossEntropy(labels, logits),
  },
];

const poolingCases: OpCase[] = [
  {
    name: 'maxPool 3×3 stride 2 same (overlapping windows)',
    variables: { x: random([2, 7, 7, 3], 310) },
    apply: ({ x }) => tf.maxPool(as4d(x), 3, 2, 'same'),
  },
  {
    name: 'maxPool 3×3 stride 2 same after relu (windows of zeros)',
    variables: { x: random([2, 6, 6, 2], 311) },
    apply: ({ x }) => tf.maxPool(tf.relu(as4d(x)), 3, 2, 'same'),
  },
  {
    name: 'avgPool 3×3 stride 2 same (overlapping windows)',
    variables: { x: random([2, 7, 7, 3], 312) },
    apply: ({ x }) => tf.avgPool(as4d(x), 3, 2, 'same'),
  },
  {
    name: 'avgPool 2×2 stride 2 valid',
    variables: { x: random([2, 6, 6, 3], 313) },
    apply: ({ x }) => tf.avgPool(as4d(x), 2, 2, 'valid'),
  },
];

const opCases: OpCase[] = [
  ...convolutionCases,
  ...resizeCases,
  ...normalizationCases,
  ...activationCases,
  ...gatherCases,
  ...matMulCases,
  ...reductionCases,
  ...elementwiseCases,
  ...structureCases,
  ...lossCases,
  ...poolingCases,
];

/**
 * Gradients tfjs 4.22.0 gets wrong on every backend (tfjs-core gradient functions, not kernels), so no wasm kernel
 * can fix them; the cases above and the models below use the workarounds. Each is checked on cpu and wasm, so a
 * tfjs upgrade that fixes one shows up here.
 */
const shapeMismatch = /does not match the shape of the input/;

const coreGradientDefects: (OpCase & { defect: RegExp | 'wrong' })[] = [
  {
    name: 'matMul over a broadcast batch axis: the gradient is not summed over the broadcast',
    variables: { a: random([2, 3, 4], 500), b: random([1, 4, 5], 501) },
    apply: ({ a, b }) => tf.matMul(a, b),
    defect: shapeMismatch,
  },
  {
    name: 'maximum with broadcasting: the gradient is not summed over the broadcast',
    variables: { a: random([3, 4], 502), b: random([4], 503) },
    apply: ({ a, b }) => tf.maximum(a, b),
    defect: shapeMismatch,
  },
  {
    name: 'minimum with broadcasting: the gradient is not summed over the broadcast',
    variables: { a: random([3, 4], 504), b: random([1, 4], 505) },
    apply: ({ a, b }) => tf.minimum(a, b),
    defect: shapeMismatch,
  },
  {
    name: 'squaredDifference with broadcasting: the gradient is not summed over the broadcast',
    variables: { a: random([3, 4], 506), b: random([1, 4], 507) },
    apply: ({ a, b }) => tf.squaredDifference(a, b),
    defect: shapeMismatch,
  },
  {
    name: 'tile above rank 4: no gradient',
    variables: { x: random([2, 1, 3, 1, 2], 511) },
    apply: ({ x }) => tf.tile(x, [1, 2, 1, 2, 1]),
    defect: /not implemented for rank-5/,
  },
  {
    name: 'cumsum on a non-last axis: the gradient comes back transposed',
    variables: { x: random([4, 3], 508) },
    apply: ({ x }) => tf.cumsum(x, 0),
    defect: shapeMismatch,
  },
  {
    name: 'cumsum on a non-last axis of a square tensor: the gradient is silently transposed',
    variables: { x: random([3, 3], 509) },
    apply: ({ x }) => tf.cumsum(x, 0),
    defect: 'wrong',
  },
  {
    name: "mirrorPad: the mirrored copies' gradient is dropped",
    variables: { x: random([2, 4, 3], 510) },
    apply: ({ x }) => tf.mirrorPad(x, [[0, 0], [2, 1], [1, 1]], 'reflect'),
    defect: 'wrong',
  },
];

function dataIds(): number {
  return (tf.engine().backend as KernelBackend).numDataIds();
}

function toTensors(host: Record<string, HostTensor>): Tensors {
  return Object.fromEntries(
    Object.entries(host).map(([name, tensor]) => [name, tf.tensor(tensor.values, tensor.shape, tensor.dtype)]),
  );
}

function asList(result: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(result) ? result : [result];
}

/**
 * Reduces outputs to a scalar with fixed pseudo-random weights, so each output element gets a distinct
 * upstream gradient (with all-ones weights, the gradients of softmax or batch norm would vanish).
 */
function weightedSum(outputs: tf.Tensor[]): tf.Scalar {
  return tf.addN(
    outputs.map((output, index) => {
      const weights = randomTensor(output.shape, 900 + index);
      return tf.sum(tf.mul(output, tf.tensor(weights.values, output.shape)));
    }),
  ) as tf.Scalar;
}

function withInputs(testCase: OpCase, constants: Tensors, names: string[], inputs: tf.Tensor[]): tf.Tensor[] {
  return asList(testCase.apply({ ...constants, ...Object.fromEntries(names.map((name, index) => [name, inputs[index]])) }));
}

/**
 * The gradient of `weightedSum(apply(x))` for an op linear in its only variable `x`, from forward passes alone:
 * element `i` of the gradient is the weighted sum of the op applied to the `i`-th unit tensor.
 */
async function adjointGradient(testCase: OpCase, constants: Tensors): Promise<{ shape: number[]; values: Float32Array }> {
  const [[name, host]] = Object.entries(testCase.variables);
  const values = new Float32Array(host.values.length);
  for (let index = 0; index < values.length; index += 1) {
    const unit = new Float32Array(values.length);
    unit[index] = 1;
    const response = tf.tidy(() => weightedSum(withInputs(testCase, constants, [name], [tf.tensor(unit, host.shape)])));
    values[index] = (await response.data())[0];
    response.dispose();
  }
  return { shape: host.shape, values };
}

interface Evaluation {
  outputs: { shape: number[]; dtype: string; values: ArrayLike<number> }[];
  gradients: Record<string, { shape: number[]; values: ArrayLike<number> }>;
  leaked: [tensors: number, dataIds: number];
}

async function evaluate(backendName: string, testCase: OpCase): Promise<Evaluation> {
  await tf.setBackend(backendName);
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = dataIds();
  const variables = toTensors(testCase.variables);
  const constants = toTensors(testCase.constants ?? {});
  const names = Object.keys(variables);
  try {
    const forward = tf.tidy(() => asList(testCase.apply({ ...constants, ...variables })));
    const outputs = await Promise.all(
      forward.map(async (output) => ({ shape: output.shape, dtype: output.dtype, values: await output.data() })),
    );
    tf.dispose(forward);
    const gradients: Evaluation['gradients'] = {};
    if (testCase.valueOnly == null && testCase.reference === 'adjoint' && backendName === 'cpu') {
      gradients[names[0]] = await adjointGradient(testCase, constants);
    } else if (testCase.valueOnly == null) {
      const { value, grads } = tf.valueAndGrads((...inputs: tf.Tensor[]) =>
        weightedSum(withInputs(testCase, constants, names, inputs)),
      )(names.map((name) => variables[name]));
      for (const [index, name] of names.entries()) {
        gradients[name] = { shape: grads[index].shape, values: await grads[index].data() };
      }
      tf.dispose([value, ...grads]);
    }
    tf.dispose([...Object.values(variables), ...Object.values(constants)]);
    return { outputs, gradients, leaked: [tf.memory().numTensors - tensorsBefore, dataIds() - dataIdsBefore] };
  } catch (error) {
    tf.dispose([...Object.values(variables), ...Object.values(constants)]);
    throw error;
  }
}

/** A comparison of all-zero gradients would prove nothing. */
function hasNonZero(values: ArrayLike<number>): boolean {
  return Array.from(values).some((value) => value !== 0);
}

function expectSameResults(actual: Evaluation, expected: Evaluation, tolerance: number): void {
  expect(actual.outputs.map(({ shape, dtype }) => ({ shape, dtype }))).toEqual(
    expected.outputs.map(({ shape, dtype }) => ({ shape, dtype })),
  );
  actual.outputs.forEach((output, index) => {
    expect(maxRelativeError(output.values, expected.outputs[index].values), `output ${index}`).toBeLessThan(tolerance);
  });
  expect(Object.keys(actual.gradients)).toEqual(Object.keys(expected.gradients));
  for (const [name, gradient] of Object.entries(expected.gradients)) {
    expect(hasNonZero(gradient.values), `gradient of ${name} is not all zeros`).toBe(true);
    expect(actual.gradients[name].shape, `gradient of ${name}`).toEqual(gradient.shape);
    expect(maxRelativeError(actual.gradients[name].values, gradient.values), `gradient of ${name}`).toBeLessThan(
      tolerance,
    );
  }
}

/** A model whose trainable variables are differentiated as a whole, built once and fed host values per backend. */
interface ModelCase {
  name: string;
  create(): TrainableModel;
  tolerance?: number;
}

interface TrainableModel {
  /** Every weight, trainable or not, in a fixed order. */
  weights: tf.Variable[];
  trainable: tf.Variable[];
  /** Tensors the loss takes as constants (e.g. TD targets), computed before differentiation so no gradient flows into them. */
  prepare?(): tf.Tensor[];
  /** The training loss on fixed host inputs, built on the active backend. */
  loss(constants: tf.Tensor[]): tf.Scalar;
  dispose(): void;
}

/** Host values for `variable`: positive for scales and variances, small signed values otherwise. */
function initialValues(variable: tf.Variable, seed: number): HostTensor {
  const isPositive = /gamma|variance/.test(variable.name);
  return isPositive ? positive(variable.shape, seed, 0.5, 1) : random(variable.shape, seed, 0.5);
}

function assignInitialValues(weights: tf.Variable[]): void {
  weights.forEach((variable, index) => {
    const host = initialValues(variable, 1000 + index);
    const value = tf.tensor(host.values, host.shape);
    variable.assign(value);
    value.dispose();
  });
}

function fromLayersModel(
  model: tf.LayersModel,
  loss: (model: tf.LayersModel, constants: tf.Tensor[]) => tf.Scalar,
  prepare?: (model: tf.LayersModel) => tf.Tensor[],
): TrainableModel {
  const variable = (weight: tf.LayerVariable) => weight.read() as tf.Variable;
  return {
    weights: model.weights.map(variable),
    trainable: model.trainableWeights.map(variable),
    prepare: prepare && (() => prepare(model)),
    loss: (constants) => loss(model, constants),
    dispose: () => model.dispose(),
  };
}

function hostTensor(host: HostTensor): tf.Tensor {
  return tf.tensor(host.values, host.shape, host.dtype);
}

let variableCount = 0;

/** `length(v) = sqrt(|v|² + ε)` on the last axis, keeping it. */
function capsuleLength(capsules: tf.Tensor, keepDims = false): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(capsules), -1, keepDims), 1e-7));
}

function squash(capsules: tf.Tensor): tf.Tensor {
  const squaredNorm = tf.sum(tf.square(capsules), -1, true);
  return tf.div(tf.mul(capsules, capsuleLength(capsules, true)), tf.add(squaredNorm, 1));
}

/**
 * Primary capsules (3×3 stride-2 conv → 8 capsules of 4) → pose transforms by a batched matMul →
 * 3 digit capsules of 4 by dynamic routing (3 iterations, softmax over the digit capsules) → margin loss.
 */
function createCapsuleNetwork(): TrainableModel {
  variableCount += 1;
  const create = (name: string, shape: number[]) => tf.variable(tf.zeros(shape), true, `capsules${variableCount}/${name}`);
  const filter = create('filter', [3, 3, 1, 8]);
  const bias = create('bias', [8]);
  const poses = create('poses', [8, 3, 4, 4]);
  const images = randomTensor([2, 6, 6, 1], 401);
  const labels = oneHotRows([2, 0], 3);
  return {
    weights: [filter, bias, poses],
    trainable: [filter, bias, poses],
    loss: () => {
      const features = tf.add(tf.conv2d(as4d(hostTensor(images)), filter as tf.Tensor4D, 2, 'valid'), bias);
      const primary = squash(tf.reshape(features, [2, 8, 4]));
      // Tiled explicitly at rank 4: tfjs-core 4.22.0 cannot differentiate matMul over broadcast batch axes,
      // nor tile above rank 4.
      const tiledPoses = tf.tile(tf.reshape(poses, [1, 24, 4, 4]), [2, 1, 1, 1]);
      const tiledPrimary = tf.reshape(tf.tile(tf.reshape(primary, [2, 8, 1, 4]), [1, 1, 3, 1]), [2, 24, 4, 1]);
      const votes = tf.reshape(tf.matMul(tiledPoses, tiledPrimary), [2, 8, 3, 4]);
      let logits: tf.Tensor = tf.zeros([2, 8, 3]);
      let digits: tf.Tensor = tf.zeros([2, 3, 4]);
      for (let iteration = 0; iteration < 3; iteration += 1) {
        const coupling = tf.softmax(logits, -1);
        digits = squash(tf.sum(tf.mul(tf.expandDims(coupling, -1), votes), 1));
        if (iteration < 2) {
          logits = tf.add(logits, tf.sum(tf.mul(votes, tf.expandDims(digits, 1)), -1));
        }
      }
      const lengths = capsuleLength(digits);
      const target = hostTensor(labels);
      const present = tf.mul(target, tf.square(tf.relu(tf.sub(0.9, lengths))));
      const absent = tf.mul(tf.mul(tf.sub(1, target), 0.5), tf.square(tf.relu(tf.sub(lengths, 0.1))));
      return tf.mean(tf.sum(tf.add(present, absent), 1)) as tf.Scalar;
    },
    dispose: () => tf.dispose([filter, bias, poses]),
  };
}

/** DCGAN-style generator: dense → reshape → conv2dTranspose stride 2 → batch norm → leaky ReLU → conv2dTranspose → tanh, MSE loss. */
function createGenerator(): TrainableModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 3 * 3 * 6 }),
      tf.layers.reshape({ targetShape: [3, 3, 6] }),
      tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
      tf.layers.batchNormalization(),
      tf.layers.leakyReLU({ alpha: 0.2 }),
      tf.layers.conv2dTranspose({ filters: 1, kernelSize: 4, strides: 2, padding: 'same', activation: 'tanh' }),
    ],
  });
  const noise = randomTensor([3, 4], 411);
  const images = randomTensor([3, 12, 12, 1], 412);
  return fromLayersModel(model, (network) =>
    tf.losses.meanSquaredError(hostTensor(images), network.apply(hostTensor(noise), { training: true }) as tf.Tensor) as tf.Scalar,
  );
}

/** Q-network: dense-relu-dense; the taken actions' values (by `oneHot` mask or `gather`) against TD targets, Huber loss. */
function createQNetwork(select: 'oneHot' | 'gather'): TrainableModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu' }),
      tf.layers.dense({ units: 4 }),
    ],
  });
  const states = randomTensor([5, 6], 421);
  const nextStates = randomTensor([5, 6], 422);
  const rewards = randomTensor([5], 423);
  const actions = integerTensor([3, 0, 2, 2, 1]);
  return fromLayersModel(
    model,
    (network, [targets]) => {
    const values = network.apply(hostTensor(states), { training: true }) as tf.Tensor2D;
    const taken =
      select === 'oneHot'
        ? tf.sum(tf.mul(values, tf.oneHot(hostTensor(actions) as tf.Tensor1D, 4)), 1)
        : tf.squeeze(tf.gather(values, tf.reshape(hostTensor(actions), [5, 1]), 1, 1), [1]);
    return tf.losses.huberLoss(targets, taken) as tf.Scalar;
    },
    // TD targets r + γ·max Q(s'), from the same network but computed before differentiation: no gradient flows into them.
    (network) => [
      tf.tidy(() =>
        tf.add(hostTensor(rewards), tf.mul(0.9, tf.max(network.predict(hostTensor(nextStates)) as tf.Tensor, 1))),
      ),
    ],
  );
}

/** Tucker-decomposed convolution: 1×1 conv (in → rank) → 3×3 core conv → 1×1 conv (rank → out), MSE to teacher features. */
function createTuckerBlock(): TrainableModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 5], filters: 2, kernelSize: 1, useBias: false }),
      tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: false }),
      tf.layers.conv2d({ filters: 5, kernelSize: 1 }),
    ],
  });
  const inputs = randomTensor([2, 6, 6, 5], 431);
  const teacher = randomTensor([2, 6, 6, 5], 432);
  return fromLayersModel(model, (network) =>
    tf.losses.meanSquaredError(hostTensor(teacher), network.apply(hostTensor(inputs)) as tf.Tensor) as tf.Scalar,
  );
}

const modelCases: ModelCase[] = [
  { name: 'capsule layer with dynamic routing (3 iterations)', create: createCapsuleNetwork },
  { name: 'DCGAN-style generator', create: createGenerator },
  { name: 'Q-network selecting actions by oneHot mask', create: () => createQNetwork('oneHot') },
  { name: 'Q-network selecting actions by gather', create: () => createQNetwork('gather') },
  { name: 'Tucker-style conv block', create: createTuckerBlock },
];

interface ModelEvaluation {
  loss: number;
  gradients: Record<string, Float32Array>;
  leaked: [tensors: number, dataIds: number];
}

async function evaluateModel(backendName: string, model: TrainableModel): Promise<ModelEvaluation> {
  await tf.setBackend(backendName);
  assignInitialValues(model.weights);
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = dataIds();
  const constants = model.prepare?.() ?? [];
  const { value, grads } = tf.variableGrads(() => model.loss(constants), model.trainable);
  const gradients: ModelEvaluation['gradients'] = {};
  for (const [name, gradient] of Object.entries(grads)) {
    gradients[name] = (await gradient.data()) as Float32Array;
  }
  const loss = (await value.data())[0];
  tf.dispose([value, ...constants, ...Object.values(grads)]);
  return { loss, gradients, leaked: [tf.memory().numTensors - tensorsBefore, dataIds() - dataIdsBefore] };
}

describe('gradients on wasm match cpu', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(opCases)('$name', async (testCase) => {
    const expected = await evaluate('cpu', testCase);
    const actual = await evaluate('wasm', testCase);
    expectSameResults(actual, expected, testCase.tolerance ?? defaultTolerance);
    expect([expected.leaked, actual.leaked]).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it.each(opCases.filter((testCase) => testCase.valueOnly?.includes('registers no') ?? false))(
    '$name has no gradient in tfjs on either backend',
    async (testCase) => {
      for (const backendName of ['cpu', 'wasm']) {
        await tf.setBackend(backendName);
        const variables = toTensors(testCase.variables);
        const constants = toTensors(testCase.constants ?? {});
        const names = Object.keys(variables);
        expect(() =>
          tf.tidy(() =>
            tf.grads((...inputs: tf.Tensor[]) => weightedSum(withInputs(testCase, constants, names, inputs)))(
              names.map((name) => variables[name]),
            ),
          ),
        ).toThrow(/gradient/i);
        tf.dispose([...Object.values(variables), ...Object.values(constants)]);
      }
    },
  );

  it.each(coreGradientDefects)('tfjs defect on cpu and wasm alike: $name', async (testCase) => {
    for (const backendName of ['cpu', 'wasm']) {
      await tf.setBackend(backendName);
      const variables = toTensors(testCase.variables);
      const names = Object.keys(variables);
      const gradients = () =>
        tf.tidy(() => tf.grads((...inputs: tf.Tensor[]) => weightedSum(withInputs(testCase, {}, names, inputs)))(
          names.map((name) => variables[name]),
        ));
      if (testCase.defect instanceof RegExp) {
        expect(gradients, backendName).toThrow(testCase.defect);
      } else {
        const [gradient] = gradients();
        const expected = await adjointGradient(testCase, {});
        expect(maxRelativeError(await gradient.data(), expected.values), backendName).toBeGreaterThan(0.1);
        gradient.dispose();
      }
      tf.dispose(Object.values(variables));
    }
  });

  it.each(modelCases)('end to end: $name', async (modelCase) => {
    await tf.setBackend('cpu');
    const model = modelCase.create();
    try {
      const expected = await evaluateModel('cpu', model);
      const actual = await evaluateModel('wasm', model);
      expect(Math.abs(actual.loss - expected.loss) / Math.max(1, Math.abs(expected.loss))).toBeLessThan(1e-5);
      expect(Object.keys(actual.gradients).sort()).toEqual(Object.keys(expected.gradients).sort());
      expect(Object.keys(expected.gradients)).toHaveLength(model.trainable.length);
      for (const [name, gradient] of Object.entries(expected.gradients)) {
        expect(hasNonZero(gradient), `gradient of ${name} is not all zeros`).toBe(true);
        expect(maxRelativeError(actual.gradients[name], gradient), name).toBeLessThan(
          modelCase.tolerance ?? defaultTolerance,
        );
      }
      expect([expected.leaked, actual.leaked]).toEqual([
        [0, 0],
        [0, 0],
      ]);
    } finally {
      await tf.setBackend('cpu');
      model.dispose();
    }
  });
});
