import type { TensorInfo } from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope';

/**
 * How one spatial axis of a convolution is laid out so that its output has exactly the wanted size:
 * the input is cropped (never needed for ordinary paddings), padded with zeros, and the output is cut.
 */
export interface ConvolutionAxisPlan {
  /** First input position used; positive only when the wanted padding before the data is negative. */
  inputBegin: number;
  /** Number of input positions used from `inputBegin`. */
  inputSize: number;
  /** Zeros added before the data (explicit padding of the convolution). */
  padBefore: number;
  /** Zeros added after the data (explicit padding of the convolution). */
  padAfter: number;
  /** Output positions wanted; the convolution may produce more, which are sliced off the end. */
  outputSize: number;
}

/**
 * Plans one axis of a convolution whose output position `index` must read the window that starts at
 * input position `index * stride - paddingBefore`.
 *
 * Backpropagation kernels compose their result as such a convolution, where the implied padding can be
 * negative or larger than the data needs; XNNPACK only takes non-negative explicit padding, so negative
 * amounts become crops of the input (before) or of the output (after).
 *
 * @param inputExtent size of the input along the axis
 * @param paddingBefore wanted (possibly negative) zero padding before the input
 * @param effectiveKernelExtent `(kernel - 1) * dilation + 1`
 * @param stride step between output positions
 * @param outputSize wanted output size
 */
export function planConvolutionAxis(
  inputExtent: number,
  paddingBefore: number,
  effectiveKernelExtent: number,
  stride: number,
  outputSize: number,
): ConvolutionAxisPlan {
  const inputBegin = Math.max(0, -paddingBefore);
  const padBefore = Math.max(0, paddingBefore);
  const inputSize = inputExtent - inputBegin;
  const neededExtent = (outputSize - 1) * stride + effectiveKernelExtent;
  const padAfter = Math.max(0, neededExtent - padBefore - inputSize);
  return { inputBegin, inputSize, padBefore, padAfter, outputSize };
}

/** Options of {@link runPlannedConvolution}. */
export interface PlannedConvolutionOptions {
  /** `Conv2D` (filter `[height, width, in, out]`) or `DepthwiseConv2dNative` (filter `[height, width, in, multiplier]`). */
  kernelName: 'Conv2D' | 'DepthwiseConv2dNative';
  /** Input, `[batch, height, width, channels]`. */
  input: TensorInfo;
  /** Filter in the layout `kernelName` expects. */
  filter: TensorInfo;
  strides: [number, number];
  dilations: [number, number];
  height: ConvolutionAxisPlan;
  width: ConvolutionAxisPlan;
}

/**
 * Runs a channels-last convolution laid out by two {@link planConvolutionAxis} plans and returns
 * exactly `[batch, height.outputSize, width.outputSize, channels]`. Intermediates belong to `scope`.
 */
export function runPlannedConvolution(scope: KernelScope, options: PlannedConvolutionOptions): TensorInfo {
  const { kernelName, filter, strides, dilations, height, width } = options;
  let input = options.input;
  const [batch, inputHeight, inputWidth, channels] = input.shape;
  if (height.inputBegin > 0 || width.inputBegin > 0 || height.inputSize < inputHeight || width.inputSize < inputWidth) {
    input = scope.run(
      'Slice',
      { x: input },
      { begin: [0, height.inputBegin, width.inputBegin, 0], size: [batch, height.inputSize, width.inputSize, channels] },
    );
  }
  const convolved = scope.run(
    kernelName,
    { x: input, filter },
    {
      strides,
      dilations,
      pad: [
        [0, 0],
        [height.padBefore, height.padAfter],
        [width.padBefore, width.padAfter],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  const [, producedHeight, producedWidth, outputChannels] = convolved.shape;
  if (producedHeight === height.outputSize && producedWidth === width.outputSize) {
    return convolved;
  }
  return scope.run(
    'Slice',
    { x: convolved },
    { begin: [0, 0, 0, 0], size: [batch, height.outputSize, width.outputSize, outputChannels] },
  );
}

/**
 * Inserts `stride - 1` zeros after every row and column of a channels-last tensor
 * (`[batch, height, width, channels]` → `[batch, height * strideHeight, width * strideWidth, channels]`),
 * which turns a strided convolution's gradient into a stride-1 convolution.
 *
 * One rank-4 pad does it: viewed as `[batch * height, 1, width, channels]`, padding the second axis to
 * `strideHeight` and the last to `strideWidth * channels` lays the values out exactly as the dilated tensor.
 * The trailing zero rows and columns count as padding after the data.
 */
export function dilateSpatially(scope: KernelScope, input: TensorInfo, strideHeight: number, strideWidth: number): TensorInfo {
  if (strideHeight === 1 && strideWidth === 1) {
    return input;
  }
  const [batch, height, width, channels] = input.shape;
  const rows = scope.run('Reshape', { x: input }, { shape: [batch * height, 1, width, channels] });
  const padded = scope.run(
    'PadV2',
    { x: rows },
    {
      paddings: [
        [0, 0],
        [0, strideHeight - 1],
        [0, 0],
        [0, (strideWidth - 1) * channels],
      ],
      constantValue: 0,
    },
  );
  return scope.run('Reshape', { x: padded }, { shape: [batch, height * strideHeight, width * strideWidth, channels] });
}
