import * as tf from '@tensorflow/tfjs';
import type { Conv2DAttrs, FusedConv2DAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import { buildConvolutionTileModule, runConvolutionTile, tileChannels, tilePixels } from './simd-convolution-tile';
import { loadSimdModule } from './simd-module';
import { padSpatially } from './simd-padding';

type Shape4D = [number, number, number, number];

/** Output bounds of the activations the SIMD loop applies itself (a clamp); others go to the stock kernel. */
const clampedActivations: Record<string, [number, number]> = {
  linear: [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY],
  relu: [0, Number.POSITIVE_INFINITY],
  relu6: [0, 6],
};

interface ForwardConvolution {
  x: TensorInfo;
  filter: TensorInfo;
  bias?: TensorInfo;
  strides: Conv2DAttrs['strides'];
  pad: Conv2DAttrs['pad'];
  dilations: Conv2DAttrs['dilations'];
  dimRoundingMode: Conv2DAttrs['dimRoundingMode'];
  bounds: [number, number];
}

/**
 * The convolution as the SIMD tile loop, or undefined where that loop does not apply (the caller runs the
 * stock kernel): 1×1 filters, the SIMD module cannot load, or the backend runs XNNPACK on several threads,
 * whose parallel convolution beats one thread.
 */
function convolveBySimd(backend: object, convolution: ForwardConvolution): TensorInfo | undefined {
  const { x, filter, bias } = convolution;
  const [filterHeight, filterWidth] = filter.shape;
  // 1×1 filters are plain matrix products, where XNNPACK's packed GEMM measured faster.
  if (filterHeight * filterWidth === 1) {
    return undefined;
  }
  const simd = loadSimdModule(backend, 'convolutionTile', buildConvolutionTileModule);
  if (simd == null || simd.threads > 1) {
    return undefined;
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4D,
    filter.shape as Shape4D,
    convolution.strides,
    convolution.dilations,
    convolution.pad,
    convolution.dimRoundingMode,
  );
  const { batchSize, inChannels, outHeight, outWidth, outChannels, padInfo } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;

  const scope = createKernelScope(backend, 'wasm');
  try {
    const padded = padSpatially(scope, simd, x, padInfo);
    const result = scope.track(simd.allocate([batchSize, outHeight, outWidth, outChannels]));
    const floatBytes = 4;
    const [, paddedHeight, paddedWidth] = padded.shape;
    const inputPixelBytes = inChannels * floatBytes;
    const outputPixelBytes = outChannels * floatBytes;
    const filterChannelStep = outChannels * floatBytes;
    // Without dilation, the filter columns of a row read consecutive input pixels and consecutive filter rows:
    // one reduction over `filterWidth · inChannels` floats (fewer, longer loops for few input channels).
    const mergeColumns = dilationWidth === 1;
    const fullGroups = Math.floor(outWidth / tilePixels);
    const pieces: [number, number, number][] = [[tilePixels, fullGroups, 0]];
    if (outWidth % tilePixels !== 0) {
      pieces.push([outWidth % tilePixels, 1, fullGroups * tilePixels]);
    }
    const inputAddress = simd.address(padded);
    const filterAddress = simd.address(filter);
    const outputAddress = simd.address(result);
    const biasAddress = bias == null ? 0 : simd.address(bias);
    const inputSampleStep = paddedHeight * paddedWidth * inputPixelBytes;
    const outputSampleStep = outHeight * outWidth * outputPixelBytes;
    for (const [pixels, groups, firstPixel] of pieces) {
      if (groups === 0) {
        continue;
      }
      for (let channel = 0; channel < outChannels; channel += tileChannels) {
        runConvolutionTile(simd, {
          pixels,
          channels: Math.min(tileChannels, outChannels - channel),
          input: inputAddress + firstPixel * strideWidth * inputPixelBytes,
          filter: filterAddress + channel * floatBytes,
          output: outputAddress + firstPixel * outputPixelBytes + channel * floatBytes,
          bias: bias == null ? 0 : biasAddress + channel * floatBytes,
          samples: batchSize,
          rows: outHeight,
          groups,
          inputSampleStep,
          inputRowStep: strideHeight * paddedWidth * inputPixelBytes,
          inputPixelStep: strideWidth * inputPixelBytes,
          outputSampleStep,
          outputRowStep: outWidth * outputPixelBytes,
          outputPixelStep: outputPixelBytes,
          tapRows: filterHeight,
          tapColumns: mergeColumns ? 1 : filterWidth,
          inputTapRowStep: dilationHeight * paddedWidth * inputPixelBytes,
          inputTapColumnStep: dilationWidth * inputPixelBytes,
          filterTapRowStep: filterWidth * inChannels * filterChannelStep,
          filterTapColumnStep: inChannels * filterChannelStep,
          reductionChannels: mergeColumns ? filterWidth * inChannels : inChannels,
          filterChannelStep,
          minimum: convolution.bounds[0],
          maximum: convolution.bounds[1],
        });
      }
    }
    return scope.keep(result);
  } finally {
    scope.dispose();
  }
}

/**
 * Creates a `Conv2D` kernel for the WebAssembly backend that runs channels-last float32 convolutions as the
 * WebAssembly SIMD tile loop of `simd-convolution-tile.ts` (4 output pixels × 8 output channels, reduction over
 * taps and input channels): 36–43 GFLOP/s on the 3×3 ResNet-20 layers against 30–34 for tfjs-backend-wasm
 * 4.22.0's single-threaded XNNPACK convolution (2× on LeNet-5's one-channel input). With several threads XNNPACK
 * wins (38 against 58 ms per ResNet-20 forward pass on 2 threads). `x` `[batch, height, width, inChannels]`, filter
 * `[filterHeight, filterWidth, inChannels, outChannels]`, output `[batch, outHeight, outWidth, outChannels]`.
 * `stock` runs channels-first data, other dtypes, and multi-threaded backends.
 */
export function createConv2DKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
    const result =
      dataFormat !== 'NCHW' && x.dtype === 'float32' && filter.dtype === 'float32'
        ? convolveBySimd(backend, { x, filter, strides, pad, dilations, dimRoundingMode, bounds: clampedActivations.linear })
        : undefined;
    return result ?? stock.kernelFunc({ inputs, backend, attrs });
  };
}

/**
 * Creates a `FusedConv2D` kernel (convolution + bias + activation) for the WebAssembly backend: like
 * {@link createConv2DKernel}, with the rank-1 bias (`[outChannels]`) added and `linear`, `relu` or `relu6` applied
 * in the same loop. Other activations (`prelu`, `leakyrelu`, `elu`, `sigmoid`) and other bias shapes go to `stock`.
 */
export function createFusedConv2DKernel(stock: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as {
      x: TensorInfo;
      filter: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as unknown as FusedConv2DAttrs;
    const bounds = clampedActivations[activation ?? 'linear'];
    const outChannels = filter.shape[3];
    const supported =
      bounds != null &&
      preluActivationWeights == null &&
      dataFormat !== 'NCHW' &&
      x.dtype === 'float32' &&
      filter.dtype === 'float32' &&
      (bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === outChannels));
    const result = supported
      ? convolveBySimd(backend, { x, filter, bias, strides, pad, dilations, dimRoundingMode, bounds })
      : undefined;
    return result ?? stock.kernelFunc({ inputs, backend, attrs });
  };
}
