import * as tf from '@tensorflow/tfjs';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelFunc,
  TensorInfo,
} from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { dilateSpatially, planConvolutionAxis, runPlannedConvolution } from './planned-convolution';

type Shape4D = [number, number, number, number];

/**
 * `DepthwiseConv2dNativeBackpropInput` for the WebAssembly backend, which tfjs-backend-wasm 4.22.0 lacks.
 *
 * Each of the `channels · multiplier` output-gradient channels of `dy` (`[batch, outHeight, outWidth, channels · multiplier]`)
 * is convolved, after dilation by the stride, with its own flipped filter slice (a depthwise convolution with
 * multiplier 1); the `multiplier` results that belong to one input channel are then summed, giving
 * `dx`, `[batch, inHeight, inWidth, channels]`. Channels-last only, like the wasm depthwise convolution.
 */
export const depthwiseConv2dBackpropInputKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const convolution = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4D,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, inHeight, inWidth, padInfo } = convolution;
  const { effectiveFilterHeight, effectiveFilterWidth } = convolution;
  const [filterHeight, filterWidth, channels, multiplier] = filter.shape;

  const scope = createKernelScope(backend, 'wasm');
  try {
    const perOutputChannel = scope.run('Reshape', { x: filter }, { shape: [filterHeight, filterWidth, channels * multiplier, 1] });
    const flipped = scope.run('Reverse', { x: perOutputChannel }, { dims: [0, 1] });
    const dilated = dilateSpatially(scope, dy, strideHeight, strideWidth);
    const perOutputGradient = runPlannedConvolution(scope, {
      kernelName: 'DepthwiseConv2dNative',
      input: dilated,
      filter: flipped,
      strides: [1, 1],
      dilations: [dilationHeight, dilationWidth],
      height: planConvolutionAxis(dilated.shape[1], effectiveFilterHeight - 1 - padInfo.top, effectiveFilterHeight, 1, inHeight),
      width: planConvolutionAxis(dilated.shape[2], effectiveFilterWidth - 1 - padInfo.left, effectiveFilterWidth, 1, inWidth),
    });
    if (multiplier === 1) {
      return scope.keep(perOutputGradient);
    }
    const [batch] = dy.shape;
    const grouped = scope.run('Reshape', { x: perOutputGradient }, { shape: [batch, inHeight, inWidth, channels, multiplier] });
    return scope.keep(scope.run('Sum', { x: grouped }, { axis: [4], keepDims: false }));
  } finally {
    scope.dispose();
  }
};

/**
 * `DepthwiseConv2dNativeBackpropFilter` for the WebAssembly backend, which tfjs-backend-wasm 4.22.0 lacks.
 *
 * As for the dense filter gradient, the batch axis becomes part of the channel axis: `x` viewed as
 * `[1, height, width, batch · channels]` is depthwise-convolved with `dy` viewed as
 * `[outHeight, outWidth, batch · channels, multiplier]` at dilation = the forward stride, and the batch is
 * summed out, giving `[filterHeight, filterWidth, channels, multiplier]`. Channels-last only.
 */
export const depthwiseConv2dBackpropFilterKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const convolution = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4D,
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, inHeight, inWidth, outHeight, outWidth, padInfo } =
    convolution;
  const [filterHeight, filterWidth, channels, multiplier] = filterShape;
  const [batch] = x.shape;

  const scope = createKernelScope(backend, 'wasm');
  try {
    // Rank-3 transposes keep (channel, multiplier) pairs contiguous, so the merged axes are plain reshapes.
    const xRows = scope.run('Reshape', { x }, { shape: [batch, inHeight * inWidth, channels] });
    const xBatchInner = scope.run('Transpose', { x: xRows }, { perm: [1, 0, 2] });
    const input = scope.run('Reshape', { x: xBatchInner }, { shape: [1, inHeight, inWidth, batch * channels] });
    const dyRows = scope.run('Reshape', { x: dy }, { shape: [batch, outHeight * outWidth, channels * multiplier] });
    const dyBatchInner = scope.run('Transpose', { x: dyRows }, { perm: [1, 0, 2] });
    const gradientAsFilter = scope.run(
      'Reshape',
      { x: dyBatchInner },
      { shape: [outHeight, outWidth, batch * channels, multiplier] },
    );
    const perSample = runPlannedConvolution(scope, {
      kernelName: 'DepthwiseConv2dNative',
      input,
      filter: gradientAsFilter,
      strides: [dilationHeight, dilationWidth],
      dilations: [strideHeight, strideWidth],
      height: planConvolutionAxis(inHeight, padInfo.top, (outHeight - 1) * strideHeight + 1, dilationHeight, filterHeight),
      width: planConvolutionAxis(inWidth, padInfo.left, (outWidth - 1) * strideWidth + 1, dilationWidth, filterWidth),
    });
    const bySample = scope.run(
      'Reshape',
      { x: perSample },
      { shape: [filterHeight * filterWidth, batch, channels * multiplier] },
    );
    const summed = scope.run('Sum', { x: bySample }, { axis: [1], keepDims: false });
    return scope.keep(scope.run('Reshape', { x: summed }, { shape: filterShape }));
  } finally {
    scope.dispose();
  }
};
