import * as tf from '@tensorflow/tfjs';
import { createFunctionModel, type ApplyOptions, type Model, type Rng } from '@core/runtime';
import { channelWiseInterpolate, channelZeroPad } from './channel-interpolate';
import { gumbelSoftmax, sampleTopTwo, weightedMixture } from './gumbel';
import { expectedSearchFlops, resnetFlops, type ResNetArchitecture } from './search-flops';
import { createResNetSearchSpace, type ResNetSearchSpace } from './search-space';

/** Options of {@link createTasSupernet}. */
export interface TasSupernetOptions {
  /** 6n + 2 (14, 20, 32, …), as `core:resnet`'s `depth`. */
  depth: number;
  /** Base width (16): stages of width, 2·width, 4·width channels. */
  width?: number;
  inputShape: readonly number[];
  numClasses: number;
  /** Search the block count per stage (default true). */
  searchDepth?: boolean;
  /** How outputs of different widths are aligned: channel-wise interpolation (default) or zero-padding (ablation). */
  alignment?: 'cwi' | 'zero-pad';
  seed: number;
  name?: string;
}

/** The search-mode supernet and what the search reads of it. */
export interface TasSupernet {
  /** Weights in group `weights`, logits α (`arch/width/<row>`) and β (`arch/depth/<stage>`) in group `architecture`. */
  model: Model;
  space: ResNetSearchSpace;
  /** Differentiable expected MFLOPs from plain softmax(α), softmax(β) (call inside a gradient scope to train them). */
  expectedFlops(): tf.Scalar;
  /** Current softmax probabilities per conv and per stage (numbers). */
  probabilities(): { widths: number[][]; depths: number[][] };
  /** The argmax architecture as `core:resnet` channels and blocks. */
  architecture(): ResNetArchitecture;
}

const epsilon = 1e-5;
const momentum = 0.9;

function softmaxValues(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((value) => Math.exp(value - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((value) => value / sum);
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) if (values[index] > values[best]) best = index;
  return best;
}

/**
 * The TAS search-mode supernet over the CIFAR ResNet-(6n+2) of `core:resnet` (Dong and Yang 2019,
 * §3.2): every conv holds its full kernel; in a training forward pass with `options.rng` and
 * `options.temperature`, each conv samples two candidate widths by the Gumbel top-2 rule, runs
 * the (input-sliced) conv once, puts each width's prefix through its own batch norm, aligns both
 * to the wider one by CWI (or zero-padding) and mixes them with the two re-weighted probabilities;
 * residual joins with different widths add into the leading channels; each stage's output is the
 * full Gumbel-softmax mixture of the outputs after every candidate depth. Without `rng` or with
 * `training: false`, the argmax architecture runs (its width's batch norm with moving statistics).
 * A stride-2 block's shortcut is 2×2 average pooling then a 1×1 conv whose width follows conv_b's.
 */
export function createTasSupernet(options: TasSupernetOptions): TasSupernet {
  const blocksPerStage = (options.depth - 2) / 6;
  const space = createResNetSearchSpace({ blocksPerStage, inputShape: options.inputShape, numClasses: options.numClasses, width: options.width, searchDepth: options.searchDepth });
  const alignment = options.alignment ?? 'cwi';
  const align = alignment === 'cwi' ? channelWiseInterpolate : channelZeroPad;
  const inputChannels = space.inputShape[2];
  let salt = 0;
  const normal = (shape: number[], std: number) => tf.randomNormal(shape, 0, std, 'float32', options.seed + ++salt);
  const variables: Array<{ name: string; initial: tf.Tensor; group?: string; trainable?: boolean }> = [];
  const inChannelsOf: number[] = [];
  space.convs.forEach((conv, index) => {
    const inFull = index === 0 ? inputChannels : index % 2 === 1 ? (index === 1 ? space.convs[0].channels : space.convs[index - 1].channels) : space.convs[index - 1].channels;
    inChannelsOf.push(inFull);
    variables.push({ name: `${conv.name}/kernel`, initial: normal([3, 3, inFull, conv.channels], Math.sqrt(2 / (9 * conv.channels))) });
    conv.choices.forEach((width, choice) => {
      variables.push({ name: `${conv.name}/bn${choice}/gamma`, initial: tf.ones([width]) });
      variables.push({ name: `${conv.name}/bn${choice}/beta`, initial: tf.zeros([width]) });
      variables.push({ name: `${conv.name}/bn${choice}/mean`, initial: tf.zeros([width]), trainable: false });
      variables.push({ name: `${conv.name}/bn${choice}/variance`, initial: tf.ones([width]), trainable: false });
    });
    if (conv.name.endsWith('conv_a') && conv.stride !== 1) {
      const out = space.convs[index + 1].channels;
      variables.push({ name: `${conv.name.replace('/conv_a', '')}/shortcut/kernel`, initial: normal([1, 1, inFull, out], Math.sqrt(2 / out)) });
    }
    variables.push({ name: `arch/width/${index}`, initial: normal([conv.choices.length], 0.01), group: 'architecture' });
  });
  const lastChannels = space.convs[space.convs.length - 1].channels;
  // Glorot-scale classifier as in core:resnet (the reference's N(0, 0.01) learns too slowly in a few epochs).
  variables.push({ name: 'logits/kernel', initial: normal([lastChannels, options.numClasses], Math.sqrt(2 / (lastChannels + options.numClasses))) });
  variables.push({ name: 'logits/bias', initial: tf.zeros([options.numClasses]) });
  space.depths.forEach((depths, stage) => {
    if (depths.length > 0) variables.push({ name: `arch/depth/${stage}`, initial: normal([depths.length], 0.01), group: 'architecture' });
  });
  const architectureNames = variables.filter((entry) => entry.group === 'architecture').map((entry) => entry.name);

  const readLogits = (weights: Readonly<Record<string, tf.Variable>>): Record<string, number[]> => {
    const flat = tf.tidy(() => tf.concat(architectureNames.map((name) => weights[name])).dataSync());
    const values: Record<string, number[]> = {};
    let offset = 0;
    for (const name of architectureNames) {
      const size = weights[name].size;
      values[name] = Array.from(flat.slice(offset, offset + size));
      offset += size;
    }
    return values;
  };

  let live: Readonly<Record<string, tf.Variable>> | undefined;

  const model = createFunctionModel({
    name: options.name ?? `tas-supernet${options.depth}`,
    spec: { use: 'tas:supernet', depth: options.depth, width: space.width, searchDepth: options.searchDepth ?? true, alignment, seed: options.seed },
    inputShape: space.inputShape,
    outputShape: [options.numClasses],
    variables,
    forward(inputs, { variables: weights, options: applyOptions }) {
      live = weights;
      const rng = applyOptions.rng as Rng | undefined;
      const search = applyOptions.training === true && rng !== undefined;
      const temperature = (applyOptions.temperature as number | undefined) ?? 1;
      const logits = readLogits(weights);
      const batchNorm = (x: tf.Tensor4D, prefix: string): tf.Tensor4D => {
        const gamma = weights[`${prefix}/gamma`];
        const beta = weights[`${prefix}/beta`];
        if (applyOptions.training === true) {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          weights[`${prefix}/mean`].assign(tf.add(tf.mul(weights[`${prefix}/mean`], momentum), tf.mul(mean, 1 - momentum)));
          weights[`${prefix}/variance`].assign(tf.add(tf.mul(weights[`${prefix}/variance`], momentum), tf.mul(variance, 1 - momentum)));
          return tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as tf.Tensor4D;
        }
        return tf.batchNorm(x, weights[`${prefix}/mean`], weights[`${prefix}/variance`], beta, gamma, epsilon) as tf.Tensor4D;
      };
      const choose = (row: number) => {
        const name = `arch/width/${row}`;
        if (search) return sampleTopTwo(weights[name] as unknown as tf.Tensor1D, logits[name], temperature, rng!);
        return { indices: [argmax(logits[name])], weights: tf.ones([1]) as tf.Tensor1D };
      };
      const mixWidths = (outputs: tf.Tensor4D[], mixture: tf.Tensor1D, widths: number[]): tf.Tensor4D => {
        const widest = Math.max(...widths);
        if (outputs.length === 1) return outputs[0];
        return weightedMixture(outputs.map((output) => align(output, widest)), mixture) as tf.Tensor4D;
      };
      const convMixed = (x: tf.Tensor4D, row: number, relu: boolean) => {
        const conv = space.convs[row];
        const sample = choose(row);
        const widths = sample.indices.map((choice) => conv.choices[choice]);
        const widest = Math.max(...widths);
        const kernel = tf.slice(weights[`${conv.name}/kernel`], [0, 0, 0, 0], [-1, -1, x.shape[3], widest]) as tf.Tensor4D;
        const full = tf.conv2d(x, kernel, conv.stride, 'same');
        const outputs = sample.indices.map((choice, index) => batchNorm(tf.slice(full, [0, 0, 0, 0], [-1, -1, -1, widths[index]]) as tf.Tensor4D, `${conv.name}/bn${choice}`));
        const mixed = mixWidths(outputs, sample.weights, widths);
        return { output: relu ? tf.relu(mixed) : mixed, sample, widths };
      };
      const addMismatched = (a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D => {
        const channels = Math.max(a.shape[3], b.shape[3]);
        return tf.add(channelZeroPad(a, channels), channelZeroPad(b, channels));
      };

      let x = convMixed(inputs as tf.Tensor4D, 0, true).output;
      for (let stage = 1; stage <= 3; stage += 1) {
        const stageOutputs: tf.Tensor4D[] = [];
        for (let block = 0; block < blocksPerStage; block += 1) {
          const row = 1 + 2 * ((stage - 1) * blocksPerStage + block);
          const a = convMixed(x, row, true).output;
          const b = convMixed(a, row + 1, false);
          let shortcut = x;
          if (space.convs[row].stride !== 1) {
            const pooled = tf.avgPool(x, 2, 2, 'same');
            const kernel = tf.slice(weights[`stage${stage}/block${block}/shortcut/kernel`], [0, 0, 0, 0], [-1, -1, pooled.shape[3], Math.max(...b.widths)]) as tf.Tensor4D;
            const projected = tf.conv2d(pooled, kernel, 1, 'same');
            shortcut = mixWidths(b.widths.map((width) => tf.slice(projected, [0, 0, 0, 0], [-1, -1, -1, width]) as tf.Tensor4D), b.sample.weights, b.widths);
          }
          x = tf.relu(addMismatched(b.output, shortcut));
          stageOutputs.push(x);
        }
        const depths = space.depths[stage - 1];
        if (depths.length > 0) {
          const name = `arch/depth/${stage - 1}`;
          if (search) {
            const mixture = gumbelSoftmax(weights[name] as unknown as tf.Tensor1D, temperature, rng!);
            const candidates = depths.map((depth) => stageOutputs[depth - 1]);
            const widest = Math.max(...candidates.map((candidate) => candidate.shape[3]));
            x = weightedMixture(candidates.map((candidate) => align(candidate, widest)), mixture) as tf.Tensor4D;
          } else {
            x = stageOutputs[depths[argmax(logits[name])] - 1];
          }
        }
      }
      const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
      const kernel = tf.slice(weights['logits/kernel'], [0, 0], [pooled.shape[1], -1]) as tf.Tensor2D;
      return tf.add(tf.matMul(pooled, kernel), weights['logits/bias']);
    },
    countFlops: () => resnetFlops(supernet.architecture(), space.inputShape, space.numClasses),
  });
  tf.dispose(variables.map((entry) => entry.initial));
  live = model.getWeights() as Record<string, tf.Variable>;

  const supernet: TasSupernet = {
    model,
    space,
    expectedFlops() {
      const weights = live!;
      const widths = space.convs.map((_, index) => tf.softmax(weights[`arch/width/${index}`]) as tf.Tensor1D);
      const depths = space.depths.map((choices, stage) => (choices.length > 0 ? (tf.softmax(weights[`arch/depth/${stage}`]) as tf.Tensor1D) : undefined));
      const result = expectedSearchFlops(space, widths, depths);
      tf.dispose([...widths, ...depths.filter((entry): entry is tf.Tensor1D => entry !== undefined)]);
      return result;
    },
    probabilities() {
      const logits = readLogits(live!);
      return {
        widths: space.convs.map((_, index) => softmaxValues(logits[`arch/width/${index}`])),
        depths: space.depths.map((choices, stage) => (choices.length > 0 ? softmaxValues(logits[`arch/depth/${stage}`]) : [])),
      };
    },
    architecture() {
      const { widths, depths } = supernet.probabilities();
      return {
        channels: [inputChannels, ...space.convs.map((conv, index) => conv.choices[argmax(widths[index])])],
        blocks: space.depths.map((choices, stage) => (choices.length > 0 ? choices[argmax(depths[stage])] : blocksPerStage)) as [number, number, number],
      };
    },
  };
  return supernet;
}

/** Apply options of a search-mode forward pass. */
export function searchApplyOptions(temperature: number, rng: Rng): ApplyOptions {
  return { training: true, rng, temperature };
}
