import type { SimdModule } from './simd-module';
import { buildPadSpatially, padSpatiallyFunction } from './simd-padding';
import { FunctionBuilder, loadPartialVector, storePartialVector, valueType } from './wasm-module-builder';
import type { ValueType } from './wasm-module-builder';

/** Output pixels per tile: one input float each per reduction step, broadcast to a vector. */
export const tilePixels = 4;
/** Output channels per tile: two 4-lane vectors. */
export const tileChannels = 8;

/**
 * One call of a convolution tile ({@link buildConvolutionTileModule}), all addresses and steps in bytes.
 *
 * The tile computes `pixels` output pixels × `channels` consecutive output channels. Output pixel `p` of a
 * tile sums, over taps `(j, k)` (`tapRows × tapColumns`) and reduction channels `c` (`reductionChannels`), the float
 * at `input + p·inputPixelStep + j·inputTapRowStep + k·inputTapColumnStep + 4c` (broadcast) times the `channels`
 * floats at `filter + j·filterTapRowStep + k·filterTapColumnStep + c·filterChannelStep`, adds the `channels` floats
 * at `bias` (0: no bias), clamps to `[minimum, maximum]`, and stores the result at `output + p·outputPixelStep`.
 * Tiles repeat along a row (`groups`, each `tilePixels` pixels on), over `rows` and over `samples`.
 */
export interface ConvolutionTileCall {
  pixels: number;
  channels: number;
  input: number;
  filter: number;
  output: number;
  bias: number;
  samples: number;
  rows: number;
  groups: number;
  inputSampleStep: number;
  inputRowStep: number;
  inputPixelStep: number;
  outputSampleStep: number;
  outputRowStep: number;
  outputPixelStep: number;
  tapRows: number;
  tapColumns: number;
  inputTapRowStep: number;
  inputTapColumnStep: number;
  filterTapRowStep: number;
  filterTapColumnStep: number;
  reductionChannels: number;
  filterChannelStep: number;
  minimum: number;
  maximum: number;
}

function tileName(pixels: number, channels: number): string {
  return `tile${pixels}x${channels}`;
}

/**
 * The SIMD loop of {@link ConvolutionTileCall} for `pixels` pixels × `4 · (vectors − 1) + lastWidth` channels (the
 * last vector loads and stores only 1–3 floats, so nothing outside a pixel's channels is touched).
 * Parameters in order: input, filter, output, bias, samples, rows, groups, input sample/row/group/pixel steps,
 * output sample/row/group/pixel steps, tap rows, tap columns, input and filter steps per tap row and tap column,
 * reduction channels, filter step per reduction channel (all i32), then minimum and maximum (f32).
 * Group steps are `tilePixels` pixel steps.
 */
function buildConvolutionTile(pixels: number, vectors: number, lastWidth: number): FunctionBuilder {
  const { i32, f32, v128 } = valueType;
  const f = new FunctionBuilder([...new Array<ValueType>(23).fill(i32), f32, f32]);
  const [input, filter, output, bias, samples, rowCount, groupCount] = [0, 1, 2, 3, 4, 5, 6];
  const [inputSampleStep, inputRowStep, inputGroupStep, inputPixelStep] = [7, 8, 9, 10];
  const [outputSampleStep, outputRowStep, outputGroupStep, outputPixelStep] = [11, 12, 13, 14];
  const [tapRows, tapColumns, inputTapRowStep, inputTapColumnStep, filterTapRowStep, filterTapColumnStep] = [15, 16, 17, 18, 19, 20];
  const [reductionChannels, filterChannelStep] = [21, 22];
  const [minimum, maximum] = [23, 24];
  const [rowsLeft, groupsLeft, tapRowsLeft, tapColumnsLeft, channelsLeft] = Array.from({ length: 5 }, () => f.addLocal(i32));
  const [inputRow, outputRow, inputGroup, outputGroup, inputTapRow, filterTapRow, inputTap, filterTap, filterChannel, outputPixel] =
    Array.from({ length: 10 }, () => f.addLocal(i32));
  const inputPixels = Array.from({ length: pixels }, () => f.addLocal(i32));
  const sums = Array.from({ length: pixels * vectors }, () => f.addLocal(v128));
  const weights = Array.from({ length: vectors }, () => f.addLocal(v128));
  const value = f.addLocal(v128);
  const [lower, upper] = [f.addLocal(v128), f.addLocal(v128)];

  const widthOf = (vector: number) => (vector === vectors - 1 ? lastWidth : 4);
  const loadChannels = (address: number, vector: number) => loadPartialVector(f, address, 16 * vector, widthOf(vector));
  const storeChannels = (sum: number, vector: number) => storePartialVector(f, outputPixel, 16 * vector, widthOf(vector), sum);

  f.localGet(minimum).f32x4Splat().localSet(lower).localGet(maximum).f32x4Splat().localSet(upper);
  f.repeat(samples, () => {
    f.localGet(input).localSet(inputRow).localGet(output).localSet(outputRow).localGet(rowCount).localSet(rowsLeft);
    f.repeat(rowsLeft, () => {
      f.localGet(inputRow).localSet(inputGroup).localGet(outputRow).localSet(outputGroup).localGet(groupCount).localSet(groupsLeft);
      f.repeat(groupsLeft, () => {
        f.localGet(bias).i32Eqz().ifThenElse(
          () => {
            for (const sum of sums) {
              f.v128Zero().localSet(sum);
            }
          },
          () => {
            for (let vector = 0; vector < vectors; vector += 1) {
              loadChannels(bias, vector);
              f.localSet(sums[vector]);
              for (let pixel = 1; pixel < pixels; pixel += 1) {
                f.localGet(sums[vector]).localSet(sums[pixel * vectors + vector]);
              }
            }
          },
        );
        f.localGet(inputGroup).localSet(inputTapRow).localGet(filter).localSet(filterTapRow).localGet(tapRows).localSet(tapRowsLeft);
        f.repeat(tapRowsLeft, () => {
          f.localGet(inputTapRow).localSet(inputTap).localGet(filterTapRow).localSet(filterTap);
          f.localGet(tapColumns).localSet(tapColumnsLeft);
          f.repeat(tapColumnsLeft, () => {
            f.localGet(inputTap).localSet(inputPixels[0]);
            for (let pixel = 1; pixel < pixels; pixel += 1) {
              f.localGet(inputPixels[pixel - 1]).localGet(inputPixelStep).i32Add().localSet(inputPixels[pixel]);
            }
            f.localGet(filterTap).localSet(filterChannel).localGet(reductionChannels).localSet(channelsLeft);
            f.repeat(channelsLeft, () => {
              for (let vector = 0; vector < vectors; vector += 1) {
                loadChannels(filterChannel, vector);
                f.localSet(weights[vector]);
              }
              for (let pixel = 0; pixel < pixels; pixel += 1) {
                f.localGet(inputPixels[pixel]).v128Load32Splat().localSet(value);
                for (let vector = 0; vector < vectors; vector += 1) {
                  const sum = sums[pixel * vectors + vector];
                  f.localGet(sum).localGet(value).localGet(weights[vector]).f32x4Mul().f32x4Add().localSet(sum);
                }
                f.localGet(inputPixels[pixel]).i32Const(4).i32Add().localSet(inputPixels[pixel]);
              }
              f.advance(filterChannel, filterChannelStep);
            });
            f.advance(inputTap, inputTapColumnStep).advance(filterTap, filterTapColumnStep);
          });
          f.advance(inputTapRow, inputTapRowStep).advance(filterTapRow, filterTapRowStep);
        });
        f.localGet(outputGroup).localSet(outputPixel);
        for (let pixel = 0; pixel < pixels; pixel += 1) {
          for (let vector = 0; vector < vectors; vector += 1) {
            const sum = sums[pixel * vectors + vector];
            f.localGet(sum).localGet(lower).f32x4Max().localGet(upper).f32x4Min().localSet(sum);
            storeChannels(sum, vector);
          }
          f.advance(outputPixel, outputPixelStep);
        }
        f.advance(inputGroup, inputGroupStep).advance(outputGroup, outputGroupStep);
      });
      f.advance(inputRow, inputRowStep).advance(outputRow, outputRowStep);
    });
    f.advance(input, inputSampleStep).advance(output, outputSampleStep);
  });
  return f;
}

/**
 * The functions of a convolution tile module: {@link buildPadSpatially} and one tile per pixel count (1 to
 * {@link tilePixels}) and channel count (1 to {@link tileChannels}), for {@link runConvolutionTile}.
 */
export function buildConvolutionTileModule(): Record<string, FunctionBuilder> {
  const functions: Record<string, FunctionBuilder> = { [padSpatiallyFunction]: buildPadSpatially() };
  for (let pixels = 1; pixels <= tilePixels; pixels += 1) {
    for (let channels = 1; channels <= tileChannels; channels += 1) {
      const vectors = Math.ceil(channels / 4);
      functions[tileName(pixels, channels)] = buildConvolutionTile(pixels, vectors, channels - 4 * (vectors - 1));
    }
  }
  return functions;
}

/** Runs one {@link ConvolutionTileCall} on a module built by {@link buildConvolutionTileModule}. */
export function runConvolutionTile(simd: SimdModule, call: ConvolutionTileCall): void {
  simd.functions[tileName(call.pixels, call.channels)](
    call.input,
    call.filter,
    call.output,
    call.bias,
    call.samples,
    call.rows,
    call.groups,
    call.inputSampleStep,
    call.inputRowStep,
    tilePixels * call.inputPixelStep,
    call.inputPixelStep,
    call.outputSampleStep,
    call.outputRowStep,
    tilePixels * call.outputPixelStep,
    call.outputPixelStep,
    call.tapRows,
    call.tapColumns,
    call.inputTapRowStep,
    call.inputTapColumnStep,
    call.filterTapRowStep,
    call.filterTapColumnStep,
    call.reductionChannels,
    call.filterChannelStep,
    call.minimum,
    call.maximum,
  );
}
