import { InvalidArgumentError } from '@core/runtime';

/** Width ratios of the TAS search space (§3.2; the reference's `get_width_choices` from 0.3 on). */
export const WIDTH_RATIOS: readonly number[] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

/**
 * Candidate output widths of a conv with `channels` full output channels: `int(r · channels)` for
 * r = 0.3, 0.4, …, 1.0, truncated towards zero as the reference's Python `int` does, without zeros,
 * deduplicated and sorted ascending (so a narrow conv has fewer than 8 choices). The last entry is
 * always `channels`. Dong and Yang 2019, §3.2.
 *
 * @throws InvalidArgumentError for a non-positive or non-integer `channels`.
 */
export function widthChoices(channels: number): number[] {
  if (!Number.isInteger(channels) || channels < 1) {
    throw new InvalidArgumentError('channels', `widthChoices needs a positive integer channel count; got ${channels}.`);
  }
  const widths = WIDTH_RATIOS.map((ratio) => Math.trunc(ratio * channels)).filter((width) => width >= 1);
  return [...new Set(widths)].sort((a, b) => a - b);
}

/**
 * Candidate block counts of a stage of `blocks` blocks (the reference's `get_depth_choices`): 2 →
 * [1, 2]; 3 → [1, 2, 3]; more → the odd counts 1, 3, 5, … below `blocks`, plus `blocks` itself.
 *
 * @throws InvalidArgumentError for a 1-block stage (nothing to search) or a non-integer count.
 */
export function depthChoices(blocks: number): number[] {
  if (!Number.isInteger(blocks) || blocks < 1) {
    throw new InvalidArgumentError('blocks', `depthChoices needs a positive integer block count; got ${blocks}.`);
  }
  if (blocks === 1) {
    throw new InvalidArgumentError(
      'blocks',
      'a stage of 1 block has no depth to search (depthChoices(1)): use a ResNet with at least 2 blocks per stage (depth 14, 20, 32, …) or set searchDepth: false.',
    );
  }
  if (blocks <= 3) return Array.from({ length: blocks }, (_, index) => index + 1);
  const choices: number[] = [];
  for (let count = 1; count < blocks; count += 2) choices.push(count);
  if (choices[choices.length - 1] !== blocks) choices.push(blocks);
  return choices;
}

/** One conv of the searched ResNet, in `alpha` row order. */
export interface SearchConv {
  /** Layer prefix, e.g. `stem`, `stage2/block0/conv_a`. */
  name: string;
  /** Full output channels of the unpruned conv. */
  channels: number;
  /** Candidate widths ({@link widthChoices} of `channels`). */
  choices: number[];
  /** Kernel size (3). */
  kernel: number;
  stride: number;
  /** Output height and width. */
  outputSize: [number, number];
  /** Stage (1–3) and block (0-based) of a block conv; stage 0 for the stem. */
  stage: number;
  block: number;
}

/** The CIFAR-style ResNet search space: convs in row order and the depth choices per stage. */
export interface ResNetSearchSpace {
  inputShape: [number, number, number];
  numClasses: number;
  blocksPerStage: number;
  /** Base width (16 in the paper): stages have width, 2·width, 4·width channels. */
  width: number;
  /** The stem, then conv_a and conv_b of every block, stage by stage. */
  convs: SearchConv[];
  /** Depth candidates per stage (empty lists when depth is not searched). */
  depths: number[][];
}

/** Options of {@link createResNetSearchSpace}. */
export interface ResNetSearchSpaceOptions {
  blocksPerStage: number;
  inputShape: readonly [number, number, number] | readonly number[];
  numClasses: number;
  /** Base width (default 16). */
  width?: number;
  /** Search the block count of each stage (default true; needs `blocksPerStage ≥ 2`). */
  searchDepth?: boolean;
}

/**
 * The search space over the CIFAR ResNet-(6n+2) of `core:resnet` (3×3 convs with 'same' padding,
 * stride 2 in the first block of stages 2 and 3, so a 28×28 input gives 28, 14 and 7 px).
 */
export function createResNetSearchSpace(options: ResNetSearchSpaceOptions): ResNetSearchSpace {
  const { blocksPerStage, numClasses } = options;
  const width = options.width ?? 16;
  if (!Number.isInteger(blocksPerStage) || blocksPerStage < 1) {
    throw new InvalidArgumentError('blocksPerStage', `the ResNet search space needs a positive integer number of blocks per stage; got ${blocksPerStage}.`);
  }
  if (options.inputShape.length !== 3) {
    throw new InvalidArgumentError('inputShape', `the ResNet search space needs an image input [height, width, channels]; got [${options.inputShape.join(', ')}].`);
  }
  const inputShape = [...options.inputShape] as [number, number, number];
  let size: [number, number] = [inputShape[0], inputShape[1]];
  const convs: SearchConv[] = [{ name: 'stem', channels: width, choices: widthChoices(width), kernel: 3, stride: 1, outputSize: size, stage: 0, block: 0 }];
  for (let stage = 1; stage <= 3; stage += 1) {
    const channels = width * 2 ** (stage - 1);
    for (let block = 0; block < blocksPerStage; block += 1) {
      const stride = stage > 1 && block === 0 ? 2 : 1;
      if (stride === 2) size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
      const prefix = `stage${stage}/block${block}`;
      convs.push({ name: `${prefix}/conv_a`, channels, choices: widthChoices(channels), kernel: 3, stride, outputSize: size, stage, block });
      convs.push({ name: `${prefix}/conv_b`, channels, choices: widthChoices(channels), kernel: 3, stride: 1, outputSize: size, stage, block });
    }
  }
  const searchDepth = options.searchDepth ?? true;
  const depths = [1, 2, 3].map(() => (searchDepth ? depthChoices(blocksPerStage) : []));
  return { inputShape, numClasses, blocksPerStage, width, convs, depths };
}
