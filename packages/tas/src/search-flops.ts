import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { createResNetSearchSpace, type ResNetSearchSpace } from './search-space';

/**
 * The differentiable expected cost of the search space (Dong and Yang 2019, eq. 7, as the
 * reference's `get_flop('expected')` computes it), in MFLOPs (multiply-accumulates / 1e6):
 * per conv `k² · H_out · W_out · E[C_in] · E[C_out]` with `E[C_out] = Σ_j p_j · c_j` and `E[C_in]`
 * the previous conv's `E[C_out]` (the input's channels for the stem); a stride-2 block's shortcut
 * 1×1 conv counts `H_out · W_out · E[C_in,block] · E[C_out,conv_b]`; each block's cost is weighted by
 * the probability that it is kept, `P(depth ≥ b) = Σ_{d ≥ b} q_d`; plus `E[C_last] · classes` for
 * the classifier (no bias).
 *
 * @param widthProbabilities One probability vector per conv of `space.convs` (plain softmax of α).
 * @param depthProbabilities One probability vector per stage over `space.depths[s]` (plain softmax
 *   of β), or undefined entries for stages whose depth is fixed at the full count.
 * @returns A scalar in MFLOPs, differentiable with respect to the probabilities.
 */
export function expectedSearchFlops(space: ResNetSearchSpace, widthProbabilities: readonly tf.Tensor1D[], depthProbabilities: ReadonlyArray<tf.Tensor1D | undefined>): tf.Scalar {
  if (widthProbabilities.length !== space.convs.length) {
    throw new InvalidArgumentError('widthProbabilities', `expected one probability vector per conv (${space.convs.length}); got ${widthProbabilities.length}.`);
  }
  return tf.tidy(() => {
    const expectedOut = widthProbabilities.map((probabilities, index) => tf.sum(tf.mul(probabilities, tf.tensor1d(space.convs[index].choices))));
    const cost = (index: number, input: tf.Tensor) => {
      const conv = space.convs[index];
      return tf.mul(tf.mul(input, expectedOut[index]), (conv.kernel * conv.kernel * conv.outputSize[0] * conv.outputSize[1]) / 1e6);
    };
    const terms: tf.Tensor[] = [cost(0, tf.scalar(space.inputShape[2]))];
    let previous: tf.Tensor = expectedOut[0];
    for (let index = 1; index < space.convs.length; index += 2) {
      const conv = space.convs[index];
      const blockInput = previous;
      let block = tf.add(cost(index, blockInput), cost(index + 1, expectedOut[index]));
      if (conv.stride !== 1) {
        const shortcut = tf.mul(tf.mul(blockInput, expectedOut[index + 1]), (conv.outputSize[0] * conv.outputSize[1]) / 1e6);
        block = tf.add(block, shortcut);
      }
      const depths = space.depths[conv.stage - 1];
      const probabilities = depthProbabilities[conv.stage - 1];
      if (probabilities !== undefined && depths.length > 0) {
        const kept = tf.tensor1d(depths.map((depth) => (depth >= conv.block + 1 ? 1 : 0)));
        block = tf.mul(block, tf.sum(tf.mul(probabilities, kept)));
      }
      terms.push(block);
      previous = expectedOut[index + 1];
    }
    terms.push(tf.mul(previous, space.numClasses / 1e6));
    return tf.addN(terms) as tf.Scalar;
  });
}

/** A pruned CIFAR ResNet as `core:resnet` takes it (TAS's `xchannels` and `xblocks`). */
export interface ResNetArchitecture {
  /** Input channels, then the output channels of every conv of the full depth in row order. */
  channels: number[];
  /** Blocks kept per stage. */
  blocks: [number, number, number];
}

/**
 * Exact multiply-accumulates (not millions) of the `core:resnet` built from `channels` and
 * `blocks`, counted as the runtime's `countModelFlops` counts the built layers: 3×3 convs, the
 * shortcut 1×1 conv wherever a kept block strides or changes the channel count, and the dense
 * classifier with its bias. 'same' padding: a stride-2 conv gives `ceil(size / 2)`.
 */
export function resnetFlops(architecture: ResNetArchitecture, inputShape: readonly number[], numClasses: number): number {
  const { channels, blocks } = architecture;
  const blocksPerStage = (channels.length - 2) / 6;
  if (!Number.isInteger(blocksPerStage) || blocksPerStage < 1) {
    throw new InvalidArgumentError('channels', `channels needs 2 + 6n numbers (input, stem, then two per block); got ${channels.length}.`);
  }
  let [height, width] = [inputShape[0], inputShape[1]];
  let total = 9 * height * width * channels[0] * channels[1];
  let current = channels[1];
  for (let stage = 1; stage <= 3; stage += 1) {
    for (let block = 0; block < blocks[stage - 1]; block += 1) {
      const stride = stage > 1 && block === 0 ? 2 : 1;
      if (stride === 2) [height, width] = [Math.ceil(height / 2), Math.ceil(width / 2)];
      const first = 2 + 2 * ((stage - 1) * blocksPerStage + block);
      const middle = channels[first];
      const output = channels[first + 1];
      const positions = height * width;
      total += 9 * positions * current * middle + 9 * positions * middle * output;
      if (stride !== 1 || current !== output) total += positions * current * output;
      current = output;
    }
  }
  return total + current * numClasses + numClasses;
}

/** Space of {@link resnetSearchFlops}: the CIFAR ResNet with base widths 16/32/64. */
export interface ResNetFlopsSpace {
  blocksPerStage: number;
  /** `[height, width, channels]`. */
  inputShape: [number, number, number];
  numClasses: number;
}

/** Result of {@link resnetSearchFlops}. */
export interface ResNetSearchFlops {
  /** Differentiable expected cost (plain softmax), in MFLOPs. */
  expected: number;
  /** Input channels, then the argmax width of each conv in row order. */
  channels: number[];
  /** Argmax block count per stage. */
  blocks: [number, number, number];
  /** Exact FLOPs of the network built from `channels` and `blocks`, in MFLOPs (the runtime's counter / 1e6). */
  derivedFlops: number;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) if (values[index] > values[best]) best = index;
  return best;
}

/**
 * Expected and exact FLOPs of the searched CIFAR ResNet (base widths 16/32/64) for architecture
 * logits `alpha` and `beta` (Dong and Yang 2019, §3.3).
 *
 * @param alpha `[convs, 8]` width logits, rows in {@link createResNetSearchSpace} order (the stem,
 *   then conv_a and conv_b of every block); a conv with k < 8 choices reads the first k columns.
 * @param beta `[3, depthChoices(blocksPerStage).length]` depth logits.
 */
export function resnetSearchFlops(space: ResNetFlopsSpace, alpha: tf.Tensor2D, beta: tf.Tensor2D): ResNetSearchFlops {
  const searchSpace = createResNetSearchSpace({ ...space, width: 16, searchDepth: true });
  const convs = searchSpace.convs.length;
  if (alpha.rank !== 2 || alpha.shape[0] !== convs) {
    throw new InvalidArgumentError('alpha', `alpha needs one row per conv, [${convs}, 8]; got [${alpha.shape.join(', ')}].`);
  }
  const depthCount = searchSpace.depths[0].length;
  if (beta.rank !== 2 || beta.shape[0] !== 3 || beta.shape[1] !== depthCount) {
    throw new InvalidArgumentError('beta', `beta needs shape [3, ${depthCount}]; got [${beta.shape.join(', ')}].`);
  }
  const alphaValues = alpha.arraySync();
  const betaValues = beta.arraySync();
  const expected = tf.tidy(() => {
    const widths = searchSpace.convs.map((conv, index) => tf.softmax(tf.tensor1d(alphaValues[index].slice(0, conv.choices.length))) as tf.Tensor1D);
    const depths = betaValues.map((row) => tf.softmax(tf.tensor1d(row)) as tf.Tensor1D);
    return expectedSearchFlops(searchSpace, widths, depths).dataSync()[0];
  });
  const channels = [space.inputShape[2], ...searchSpace.convs.map((conv, index) => conv.choices[argmax(alphaValues[index].slice(0, conv.choices.length))])];
  const blocks = betaValues.map((row, stage) => searchSpace.depths[stage][argmax(row)]) as [number, number, number];
  const derivedFlops = resnetFlops({ channels, blocks }, space.inputShape, space.numClasses) / 1e6;
  return { expected, channels, blocks, derivedFlops };
}

/** Result of {@link flopsCost}. */
export interface FlopsCost {
  /** `λ`-free cost term: `±log(expected)` or 0. */
  loss: tf.Scalar;
  /** +1 above the band (shrink), −1 below it (grow), 0 inside. */
  sign: -1 | 0 | 1;
}

/**
 * The piecewise FLOPs cost of TAS (the reference's `search_main_v2`, one-sided tolerance): with
 * target `R = ratio · F_max` and tolerance `t = tolerance · F_max`, `+log E[F]` when the argmax
 * architecture's `F_cur > R`, `−log E[F]` when `F_cur < R − t`, and 0 in between. The sign comes
 * from the exact cost of the argmax architecture, the gradient from the expected cost. Multiply by
 * `λ_cost` (2 by default) in the architecture loss.
 *
 * @param expected Expected FLOPs (any unit, > 0), differentiable.
 * @param current Exact FLOPs of the argmax architecture (same unit as `maximum`).
 * @param maximum FLOPs of the unpruned network.
 */
export function flopsCost(expected: tf.Scalar, current: number, maximum: number, ratio: number, tolerance = 0.05): FlopsCost {
  const target = ratio * maximum;
  const sign: -1 | 0 | 1 = current > target ? 1 : current < target - tolerance * maximum ? -1 : 0;
  const loss = tf.tidy(() => (sign === 0 ? tf.scalar(0) : tf.mul(tf.log(expected), sign)) as tf.Scalar);
  return { loss, sign };
}
