import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { planConvolutionAxis, runPlannedConvolution } from './planned-convolution';

/**
 * `Conv2DBackpropFilter` (gradient of a 2-D convolution with respect to its filter) for the WebAssembly
 * backend, which tfjs-backend-wasm 4.22.0 lacks.
 *
 * `dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[n, oh, ow, co]` is itself
 * a convolution once the batch axis plays the channel role: the input `x` transposed to
 * `[inChannels, height, width, batch]` is convolved with `dy` transposed to `[outHeight, outWidth, batch, outChannels]`
 * (used as the filter) at dilation = the forward stride, giving `[inChannels, filterHeight, filterWidth, outChannels]`,
 * transposed back to the filter layout `[filterHeight, filterWidth, inChannels, outChannels]`.
 * XNNPACK sums in another order than the cpu backend: expect about 5e-6 relative difference.
 * Both `NHWC` and `NCHW` inputs are accepted (only the transposes differ).
 */
export const conv2DBackpropFilterKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  const channelsLast = dataFormat !== 'NCHW';
  const convolution = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    channelsLast ? 'channelsLast' : 'channelsFirst',
  );
  const { strideHeight, strideWidth, filterHeight, filterWidth, inHeight, inWidth, outHeight, outWidth, padInfo } =
    convolution;

  const scope = createKernelScope(backend, 'wasm');
  try {
    const channelsAsBatch = scope.run('Transpose', { x }, { perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] });
    const gradientAsFilter = scope.run('Transpose', { x: dy }, { perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] });
    const perChannel = runPlannedConvolution(scope, {
      kernelName: 'Conv2D',
      input: channelsAsBatch,
      filter: gradientAsFilter,
      strides: [1, 1],
      dilations: [strideHeight, strideWidth],
      height: planConvolutionAxis(inHeight, padInfo.top, (outHeight - 1) * strideHeight + 1, 1, filterHeight),
      width: planConvolutionAxis(inWidth, padInfo.left, (outWidth - 1) * strideWidth + 1, 1, filterWidth),
    });
    return scope.keep(scope.run('Transpose', { x: perChannel }, { perm: [1, 2, 0, 3] }));
  } finally {
    scope.dispose();
  }
};
