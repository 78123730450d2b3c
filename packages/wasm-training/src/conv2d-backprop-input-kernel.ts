import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { createKernelScope } from './kernel-scope';
import type { KernelScope } from './kernel-scope';
import { dilateSpatially, planConvolutionAxis, runPlannedConvolution } from './planned-convolution';
import { loadSimdModule } from './simd-module';
import type { SimdModule } from './simd-module';
import { buildConvolutionTileModule, runConvolutionTile, tileChannels, tilePixels } from './simd-convolution-tile';
import { padSpatially } from './simd-padding';
import { WasmTrainingError } from './wasm-training-error';

type Shape4D = [number, number, number, number];
type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/**
 * The input positions of one axis that share a stride phase, and the filter taps and output positions
 * that reach them: input `first + stride · t` (t < `count`) receives taps `phase + stride · j` (j < `taps`)
 * from output position `firstOutput + t − j`.
 */
interface AxisPhase {
  first: number;
  count: number;
  phase: number;
  taps: number;
  firstOutput: number;
}

function planAxisPhases(inputSize: number, stride: number, filterSize: number, padBefore: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let first = 0; first < Math.min(stride, inputSize); first += 1) {
    // Input i and tap k meet at output (i + padBefore − k) / stride when that is an integer.
    const phase = (((first + padBefore) % stride) + stride) % stride;
    phases.push({
      first,
      count: Math.ceil((inputSize - first) / stride),
      phase,
      taps: Math.max(0, Math.ceil((filterSize - phase) / stride)),
      firstOutput: (first + padBefore - phase) / stride,
    });
  }
  return phases;
}

/** Zero positions needed before and after the output axis so that every tap of every phase reads in bounds. */
function axisPadding(phases: AxisPhase[], outputSize: number): [number, number] {
  let before = 0;
  let after = 0;
  for (const { count, taps, firstOutput } of phases) {
    if (taps > 0) {
      before = Math.max(before, taps - 1 - firstOutput);
      after = Math.max(after, firstOutput + count - outputSize);
    }
  }
  return [before, after];
}

/**
 * Consecutive inputs of one phase whose taps all read inside the output: input `first + stride · t` for
 * `t` in `[start, start + length)` takes taps `[tapBegin, tapEnd)` (empty at the edges of a 'valid' gradient,
 * where no output position reads the input).
 */
interface AxisSegment {
  start: number;
  length: number;
  tapBegin: number;
  tapEnd: number;
}

function planAxisSegments(phase: AxisPhase, outputSize: number): AxisSegment[] {
  const segments: AxisSegment[] = [];
  for (let t = 0; t < phase.count; t += 1) {
    // Output firstOutput + t − j must lie in [0, outputSize).
    const tapBegin = Math.max(0, phase.firstOutput + t - outputSize + 1);
    const tapEnd = Math.max(tapBegin, Math.min(phase.taps, phase.firstOutput + t + 1));
    const last = segments[segments.length - 1];
    if (last != null && last.tapBegin === tapBegin && last.tapEnd === tapEnd) {
      last.length += 1;
    } else {
      segments.push({ start: t, length: 1, tapBegin, tapEnd });
    }
  }
  return segments;
}

/**
 * The direct input gradient with the SIMD tiles. The filter is transposed to `[kh, kw, out, in]` (input channels
 * contiguous); each pair of row and column stride phases runs its own taps only (a strided gradient does no work
 * for the zeros a dilated `dy` would hold). Runs of rows take only the filter rows that read inside `dy` (LeNet-5's
 * 'valid' gradient: 1.75 → 1.3 ms); along a row, `dy` is zero-padded instead, as clipping there would break the
 * 4-pixel tiles at both ends (measured slower on ResNet-20: 66.7 against 58.9 ms for all its layers).
 */
function inputGradientBySimd(
  scope: KernelScope,
  simd: SimdModule,
  dy: TensorInfo,
  filter: TensorInfo,
  convolution: Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = convolution;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = convolution;
  const rowPhases = planAxisPhases(inHeight, strideHeight, filterHeight, padInfo.top);
  const columnPhases = planAxisPhases(inWidth, strideWidth, filterWidth, padInfo.left);
  const rowSegments = rowPhases.map((phase) => planAxisSegments(phase, outHeight));
  // Along rows, runs of inputs that share taps only change the tile count per call. Along a row, they would
  // break tiles of 4 pixels into narrow ones at both ends: there, dy is zero-padded instead (one copy), so every
  // input of a phase takes all its taps.
  const [padLeft, padRight] = axisPadding(columnPhases, outWidth);
  const paddedWidth = outWidth + padLeft + padRight;
  const columnSegments = columnPhases.map((phase) => [{ start: 0, length: phase.count, tapBegin: 0, tapEnd: phase.taps }]);
  const gradient = padSpatially(scope, simd, dy, { top: 0, bottom: 0, left: padLeft, right: padRight });
  const weights = scope.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
  // Inputs no tap reaches (a 1×1 filter with stride 2, the border of a 'valid' gradient) get zero gradient.
  const everyInputReached = [...rowSegments, ...columnSegments].every((segments) =>
    segments.every((segment) => segment.tapEnd > segment.tapBegin),
  );
  const result = scope.track(
    everyInputReached
      ? simd.allocate([batchSize, inHeight, inWidth, inChannels])
      : simd.zeros([batchSize, inHeight, inWidth, inChannels]),
  );

  const floatBytes = 4;
  const dyPixelStep = outChannels * floatBytes;
  const dyRowStep = paddedWidth * dyPixelStep;
  const dySampleStep = outHeight * dyRowStep;
  const dxPixelStep = strideWidth * inChannels * floatBytes;
  const dxRowStep = strideHeight * inWidth * inChannels * floatBytes;
  const dxSampleStep = inHeight * inWidth * inChannels * floatBytes;
  const filterChannelStep = inChannels * floatBytes;
  const filterTapColumnStep = strideWidth * outChannels * filterChannelStep;
  const filterTapRowStep = strideHeight * filterWidth * outChannels * filterChannelStep;
  const dyAddress = simd.address(gradient);
  const filterAddress = simd.address(weights);
  const dxAddress = simd.address(result);

  rowPhases.forEach((row, rowIndex) => {
    columnPhases.forEach((column, columnIndex) => {
      for (const rows of rowSegments[rowIndex]) {
        for (const columns of columnSegments[columnIndex]) {
          if (rows.tapEnd === rows.tapBegin || columns.tapEnd === columns.tapBegin) {
            continue;
          }
          // Tap (j, k) of input (first + stride · t) reads output (firstOutput + t − j): taps step backwards in dy.
          const dyRow = row.firstOutput + rows.start - rows.tapBegin;
          const dyColumn = padLeft + column.firstOutput + columns.start - columns.tapBegin;
          const dyOrigin = dyAddress + (dyRow * paddedWidth + dyColumn) * dyPixelStep;
          const filterOrigin =
            filterAddress +
            ((row.phase + strideHeight * rows.tapBegin) * filterWidth + column.phase + strideWidth * columns.tapBegin) *
              outChannels *
              filterChannelStep;
          const dxOrigin =
            dxAddress +
            ((row.first + strideHeight * rows.start) * inWidth + column.first + strideWidth * columns.start) * inChannels * floatBytes;
          const fullGroups = Math.floor(columns.length / tilePixels);
          const pieces: [number, number, number][] = [[tilePixels, fullGroups, 0]];
          if (columns.length % tilePixels !== 0) {
            pieces.push([columns.length % tilePixels, 1, fullGroups * tilePixels]);
          }
          for (const [pixels, groups, firstPixel] of pieces) {
            if (groups === 0) {
              continue;
            }
            for (let channel = 0; channel < inChannels; channel += tileChannels) {
              runConvolutionTile(simd, {
                pixels,
                channels: Math.min(tileChannels, inChannels - channel),
                input: dyOrigin + firstPixel * dyPixelStep,
                filter: filterOrigin + channel * floatBytes,
                output: dxOrigin + firstPixel * dxPixelStep + channel * floatBytes,
                bias: 0,
                samples: batchSize,
                rows: rows.length,
                groups,
                inputSampleStep: dySampleStep,
                inputRowStep: dyRowStep,
                inputPixelStep: dyPixelStep,
                outputSampleStep: dxSampleStep,
                outputRowStep: dxRowStep,
                outputPixelStep: dxPixelStep,
                tapRows: rows.tapEnd - rows.tapBegin,
                tapColumns: columns.tapEnd - columns.tapBegin,
                inputTapRowStep: -dyRowStep,
                inputTapColumnStep: -dyPixelStep,
                filterTapRowStep,
                filterTapColumnStep,
                reductionChannels: outChannels,
                filterChannelStep,
                minimum: Number.NEGATIVE_INFINITY,
                maximum: Number.POSITIVE_INFINITY,
              });
            }
          }
        }
      }
    });
  });
  return result;
}

/**
 * The input gradient as one XNNPACK `Conv2D`: `dy` dilated by the stride and padded, convolved with the
 * spatially flipped filter whose channel axes are swapped (`[height, width, outChannels, inChannels]`).
 * Used where the SIMD module cannot load.
 */
function inputGradientByConvolution(scope: KernelScope, dy: TensorInfo, filter: TensorInfo, convolution: Conv2DInfo): TensorInfo {
  const { strideHeight, strideWidth, filterHeight, filterWidth, inHeight, inWidth, padInfo } = convolution;
  // Swap in/out channels, then flip both spatial axes: correlation with the flipped kernel is the transposed convolution.
  const swapped = scope.run('Transpose', { x: filter }, { perm: [0, 1, 3, 2] });
  const flipped = scope.run('Reverse', { x: swapped }, { dims: [0, 1] });
  const dilated = dilateSpatially(scope, dy, strideHeight, strideWidth);
  return runPlannedConvolution(scope, {
    kernelName: 'Conv2D',
    input: dilated,
    filter: flipped,
    strides: [1, 1],
    dilations: [1, 1],
    height: planConvolutionAxis(dilated.shape[1], filterHeight - 1 - padInfo.top, filterHeight, 1, inHeight),
    width: planConvolutionAxis(dilated.shape[2], filterWidth - 1 - padInfo.left, filterWidth, 1, inWidth),
  });
}

/** Options of {@link createConv2DBackpropInputKernel}. */
export interface Conv2DBackpropInputKernelOptions {
  /** Use the WebAssembly SIMD loop where it can load (default); `false` always composes XNNPACK kernels. */
  simd?: boolean;
}

/**
 * Creates a `Conv2DBackpropInput` kernel (gradient of a 2-D convolution with respect to its input) for
 * the WebAssembly backend: `dx[n, ih, iw, ci] = Σ_{kh, kw, co} dy[n, oh, ow, co] · filter[kh, kw, ci, co]` over the
 * output positions `(oh, ow)` whose window reads `(ih, iw)`, from `dy` (`[batch, outHeight, outWidth, outChannels]`)
 * and the filter (`[height, width, inChannels, outChannels]`); the result is `dx`, `[batch, inHeight, inWidth, inChannels]`.
 *
 * It runs as a WebAssembly SIMD loop on the backend's memory (`simd-module.ts`, tiles of 4 pixels × 8 input
 * channels), each stride phase with its own taps (sub-pixel decomposition, no zero-dilated `dy`). Where the
 * SIMD module cannot load it is one XNNPACK convolution of the zero-dilated `dy` ({@link inputGradientByConvolution}).
 * The stock kernel of tfjs-backend-wasm 4.22.0 is a plain loop (≈9× slower than XNNPACK on ResNet-20);
 * channels-first data goes to `fallback` (the stock kernel).
 * Sums run in another order than on the cpu backend: expect about 5e-6 relative difference.
 */
export function createConv2DBackpropInputKernel(
  fallback: KernelConfig | undefined,
  options: Conv2DBackpropInputKernelOptions = {},
): KernelFunc {
  const useSimd = options.simd ?? true;
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    if (dataFormat === 'NCHW') {
      if (fallback == null) {
        throw new WasmTrainingError({
          code: 'E_INVALID_ARGUMENT',
          argument: 'dataFormat',
          message: "Conv2DBackpropInput on the 'wasm' backend supports dataFormat 'NHWC' only: transpose the tensors to NHWC, or use the cpu backend.",
        });
      }
      return fallback.kernelFunc({ inputs, backend, attrs });
    }
    const convolution = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as Shape4D,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const simd =
      useSimd && dy.dtype === 'float32' && filter.dtype === 'float32'
        ? loadSimdModule(backend, 'convolutionTile', buildConvolutionTileModule)
        : undefined;

    const scope = createKernelScope(backend, 'wasm');
    try {
      const result =
        simd != null
          ? inputGradientBySimd(scope, simd, dy, filter, convolution)
          : inputGradientByConvolution(scope, dy, filter, convolution);
      return scope.keep(result);
    } finally {
      scope.dispose();
    }
  };
}
