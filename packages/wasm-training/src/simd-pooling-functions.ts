import type { SimdModule } from './simd-module';
import { FunctionBuilder, loadPartialVector, storePartialVector, valueType } from './wasm-module-builder';
import type { ValueType } from './wasm-module-builder';

/**
 * SIMD loops for the gradient of 2-D average pooling with windows that do not overlap (stride = window size) and
 * start at the first row and column (no padding before), channels-last, vectorised over channels: each output
 * gradient is spread over its window. Windows of the last row and column may stick out of the input ('same'
 * padding after the data); only their parts inside are written.
 */

/** Loads (or stores, `store`) `width` floats (1–4) at `address + offset` into (from) local `value`. */
function accessPartial(f: FunctionBuilder, store: boolean, address: number, offset: number, width: number, value: number): void {
  if (store) {
    storePartialVector(f, address, offset, width, value);
    return;
  }
  loadPartialVector(f, address, offset, width);
  f.localSet(value);
}

const parameterCount = 12;

/**
 * The window loops. Parameters (i32, bytes for steps): pooled (the `[batch, outHeight,
 * outWidth, channels]` side), image (the `[batch, height, width, channels]` side), samples, outRows, outColumns,
 * windowRows, windowColumns, lastRows, lastColumns (rows and columns of the last window row and column inside the
 * image), image row step, image sample step, fullVectors (channels = 4 · fullVectors + `tail`).
 * `extraParameters` follow. `body(vectorOffset, width)` runs once per channel vector of every window.
 */
function buildWindowLoops(
  tail: number,
  extraParameters: ValueType[],
  body: (f: FunctionBuilder, locals: WindowLocals, offset: number, width: number) => void,
): FunctionBuilder {
  const { i32, v128 } = valueType;
  const f = new FunctionBuilder([...new Array<ValueType>(parameterCount).fill(i32), ...extraParameters]);
  const [pooled, image, samples, outRows, outColumns, windowRows, windowColumns] = [0, 1, 2, 3, 4, 5, 6];
  const [lastRows, lastColumns, rowStep, sampleStep, fullVectors] = [7, 8, 9, 10, 11];
  const [sampleImage, rowImage, windowImage, rowsLeft, columnsLeft, rowsHere, columnsHere, vectorsLeft, pixelStep] = Array.from(
    { length: 9 },
    () => f.addLocal(i32),
  );
  const locals: WindowLocals = {
    pooled,
    windowImage,
    rowsHere,
    columnsHere,
    rowStep,
    pixelStep,
    rowLeft: f.addLocal(i32),
    columnLeft: f.addLocal(i32),
    rowPointer: f.addLocal(i32),
    pointer: f.addLocal(i32),
    value: f.addLocal(v128),
  };
  // One pixel: the channel bytes.
  f.localGet(fullVectors).i32Const(16).i32Mul().i32Const(4 * tail).i32Add().localSet(pixelStep);
  f.localGet(image).localSet(sampleImage);
  f.repeat(samples, () => {
    f.localGet(sampleImage).localSet(rowImage).localGet(outRows).localSet(rowsLeft);
    f.repeat(rowsLeft, () => {
      // The last window row keeps only its rows inside the image.
      f.localGet(lastRows).localGet(windowRows).localGet(rowsLeft).i32Const(1).i32Eq().select().localSet(rowsHere);
      f.localGet(rowImage).localSet(windowImage).localGet(outColumns).localSet(columnsLeft);
      f.repeat(columnsLeft, () => {
        f.localGet(lastColumns).localGet(windowColumns).localGet(columnsLeft).i32Const(1).i32Eq().select().localSet(columnsHere);
        f.localGet(fullVectors).localSet(vectorsLeft);
        f.repeat(vectorsLeft, () => {
          body(f, locals, 0, 4);
          f.localGet(pooled).i32Const(16).i32Add().localSet(pooled);
          f.localGet(windowImage).i32Const(16).i32Add().localSet(windowImage);
        });
        if (tail > 0) {
          body(f, locals, 0, tail);
          f.localGet(pooled).i32Const(4 * tail).i32Add().localSet(pooled);
          f.localGet(windowImage).i32Const(4 * tail).i32Add().localSet(windowImage);
        }
        // Next window: windowColumns pixels on from this window's first pixel (the channel loop moved one pixel).
        f.localGet(windowImage).localGet(windowColumns).i32Const(1).i32Sub().localGet(pixelStep).i32Mul().i32Add();
        f.localSet(windowImage);
      });
      f.localGet(rowImage).localGet(windowRows).localGet(rowStep).i32Mul().i32Add().localSet(rowImage);
    });
    f.advance(sampleImage, sampleStep);
  });
  return f;
}

interface WindowLocals {
  pooled: number;
  windowImage: number;
  rowsHere: number;
  columnsHere: number;
  rowStep: number;
  pixelStep: number;
  rowLeft: number;
  columnLeft: number;
  rowPointer: number;
  pointer: number;
  value: number;
}

/** Runs `visit` on every pixel address (local `pointer`) of the current window, for one channel vector. */
function forEachWindowPixel(f: FunctionBuilder, locals: WindowLocals, visit: () => void): void {
  f.localGet(locals.windowImage).localSet(locals.rowPointer).localGet(locals.rowsHere).localSet(locals.rowLeft);
  f.repeat(locals.rowLeft, () => {
    f.localGet(locals.rowPointer).localSet(locals.pointer).localGet(locals.columnsHere).localSet(locals.columnLeft);
    f.repeat(locals.columnLeft, () => {
      visit();
      f.advance(locals.pointer, locals.pixelStep);
    });
    f.advance(locals.rowPointer, locals.rowStep);
  });
}

/**
 * Average-pooling gradient: each output gradient divided by the full window size (`divisor`, as the cpu backend
 * does, padding included) is written to every pixel of its window inside the image. An extra f32 parameter,
 * the divisor, follows the window parameters.
 */
function buildAveragePoolGradient(tail: number): FunctionBuilder {
  const divisor = parameterCount;
  return buildWindowLoops(tail, [valueType.f32], (f, locals, offset, width) => {
    accessPartial(f, false, locals.pooled, offset, width, locals.value);
    f.localGet(locals.value).localGet(divisor).f32x4Splat().f32x4Div().localSet(locals.value);
    forEachWindowPixel(f, locals, () => accessPartial(f, true, locals.pointer, offset, width, locals.value));
  });
}

/** Builds the pooling-gradient functions (load with `loadSimdModule(backend, 'pooling', …)`). */
export function buildPoolingModule(): Record<string, FunctionBuilder> {
  const functions: Record<string, FunctionBuilder> = {};
  for (let tail = 0; tail < 4; tail += 1) {
    functions[`averagePoolGradient${tail}`] = buildAveragePoolGradient(tail);
  }
  return functions;
}

/** Non-overlapping windows of a pooling, with no padding before the data. */
export interface WindowGrid {
  batch: number;
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  windowHeight: number;
  windowWidth: number;
}

function windowArguments(grid: WindowGrid, pooled: number, image: number): number[] {
  const { batch, height, width, channels, outHeight, outWidth, windowHeight, windowWidth } = grid;
  const pixelBytes = channels * 4;
  return [
    pooled,
    image,
    batch,
    outHeight,
    outWidth,
    windowHeight,
    windowWidth,
    Math.min(windowHeight, height - (outHeight - 1) * windowHeight),
    Math.min(windowWidth, width - (outWidth - 1) * windowWidth),
    width * pixelBytes,
    height * width * pixelBytes,
    Math.floor(channels / 4),
  ];
}

/** Average-pooling gradient of `pooledGradient` into `imageGradient`, which must be zero where no window reaches. */
export function averagePoolGradient(simd: SimdModule, grid: WindowGrid, pooledGradient: number, imageGradient: number): void {
  simd.functions[`averagePoolGradient${grid.channels % 4}`](
    ...windowArguments(grid, pooledGradient, imageGradient),
    grid.windowHeight * grid.windowWidth,
  );
}
