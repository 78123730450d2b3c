import type { SimdModule } from './simd-module';
import { FunctionBuilder, loadPartialVector, storePartialVector, valueType } from './wasm-module-builder';

/**
 * SIMD loops over channels-last data viewed as `[rows, channels]`, for the per-channel kernels of
 * batch normalisation and its gradient: sums over rows, and element-wise operations with one `[channels]`
 * vector broadcast to every row. tfjs-backend-wasm 4.22.0 runs these through generic paths that are slow for
 * this layout (XNNPACK calls its micro-kernel once per row for a `[1, 1, 1, channels]` operand; `Sum` and `Mean`
 * transpose first): on a `[32, 32, 32, 16]` activation 0.5–1.5 ms per call against ≈0.1 ms here.
 */

/** Channels per pass of {@link buildColumnSum}: four vectors, one 64-byte cache line of float32. */
export const columnBlock = 16;
/** Rows summed plainly into a chunk sum before it is added to the total, to bound float32 rounding. */
const rowChunk = 64;

/** Element-wise operations of the broadcast loops. */
export type ChannelOperation = 'add' | 'sub' | 'mul' | 'div';

const operationCodes: Record<ChannelOperation, 'f32x4Add' | 'f32x4Sub' | 'f32x4Mul' | 'f32x4Div'> = {
  add: 'f32x4Add',
  sub: 'f32x4Sub',
  mul: 'f32x4Mul',
  div: 'f32x4Div',
};

/**
 * `output[c] = Σ_r input[r, c] / divisor` for `channels` = `4 · (vectors − 1) + lastWidth` consecutive channels.
 * Arguments: input, output, rows, row step (bytes), divisor (f32). Rows are summed in chunks of {@link rowChunk}
 * whose sums are added with Kahan compensation: the error is that of a 64-term sum plus one rounding of the total.
 */
function buildColumnSum(vectors: number, lastWidth: number): FunctionBuilder {
  const { i32, f32, v128 } = valueType;
  const f = new FunctionBuilder([i32, i32, i32, i32, f32]);
  const [input, output, rows, rowStep, divisor] = [0, 1, 2, 3, 4];
  const [chunk] = [f.addLocal(i32)];
  const partial = Array.from({ length: vectors }, () => f.addLocal(v128));
  const total = Array.from({ length: vectors }, () => f.addLocal(v128));
  const compensation = Array.from({ length: vectors }, () => f.addLocal(v128));
  const [corrected, next] = [f.addLocal(v128), f.addLocal(v128)];
  const widthOf = (vector: number) => (vector === vectors - 1 ? lastWidth : 4);
  for (const sum of [...total, ...compensation]) {
    f.v128Zero().localSet(sum);
  }
  f.block(() => {
    f.localGet(rows).i32Const(0).i32LessOrEqualSigned().branchIf(0);
    f.loop(() => {
      // chunk = min(rows, rowChunk); rows -= chunk
      f.i32Const(rowChunk).localGet(rows).localGet(rows).i32Const(rowChunk).i32GreaterThanSigned().select().localSet(chunk);
      f.localGet(rows).localGet(chunk).i32Sub().localSet(rows);
      for (const sum of partial) {
        f.v128Zero().localSet(sum);
      }
      f.repeat(chunk, () => {
        for (let vector = 0; vector < vectors; vector += 1) {
          f.localGet(partial[vector]);
          loadPartialVector(f, input, 16 * vector, widthOf(vector));
          f.f32x4Add().localSet(partial[vector]);
        }
        f.advance(input, rowStep);
      });
      // Kahan summation of the chunk sums: the total's rounding error stays at one unit, however many chunks.
      for (let vector = 0; vector < vectors; vector += 1) {
        f.localGet(partial[vector]).localGet(compensation[vector]).f32x4Sub().localSet(corrected);
        f.localGet(total[vector]).localGet(corrected).f32x4Add().localSet(next);
        f.localGet(next).localGet(total[vector]).f32x4Sub().localGet(corrected).f32x4Sub().localSet(compensation[vector]);
        f.localGet(next).localSet(total[vector]);
      }
      f.localGet(rows).i32Const(0).i32GreaterThanSigned().branchIf(0);
    });
  });
  for (let vector = 0; vector < vectors; vector += 1) {
    f.localGet(total[vector]).localGet(divisor).f32x4Splat().f32x4Div().localSet(total[vector]);
    storePartialVector(f, output, 16 * vector, widthOf(vector), total[vector]);
  }
  return f;
}

/**
 * `output[r, c] = input[r, c] ∘ vector[c]` (or `vector[c] ∘ input[r, c]` when `vectorFirst`) over `rows` rows of
 * `4 · fullVectors + tail` channels (tail 0–3). Arguments: input, vector, output, rows, fullVectors.
 */
function buildBroadcastRows(operation: ChannelOperation, vectorFirst: boolean, tail: number): FunctionBuilder {
  const { i32, v128 } = valueType;
  const f = new FunctionBuilder([i32, i32, i32, i32, i32]);
  const [input, vector, output, rows, fullVectors] = [0, 1, 2, 3, 4];
  const [vectorPointer, vectorsLeft] = [f.addLocal(i32), f.addLocal(i32)];
  const [value, operand] = [f.addLocal(v128), f.addLocal(v128)];
  const apply = () => {
    if (vectorFirst) {
      f.localGet(operand).localGet(value);
    } else {
      f.localGet(value).localGet(operand);
    }
    f[operationCodes[operation]]().localSet(value);
  };
  f.repeat(rows, () => {
    f.localGet(vector).localSet(vectorPointer).localGet(fullVectors).localSet(vectorsLeft);
    f.repeat(vectorsLeft, () => {
      f.localGet(input).v128Load().localSet(value).localGet(vectorPointer).v128Load().localSet(operand);
      apply();
      f.localGet(output).localGet(value).v128Store();
      f.localGet(input).i32Const(16).i32Add().localSet(input);
      f.localGet(vectorPointer).i32Const(16).i32Add().localSet(vectorPointer);
      f.localGet(output).i32Const(16).i32Add().localSet(output);
    });
    if (tail > 0) {
      loadPartialVector(f, input, 0, tail);
      f.localSet(value);
      loadPartialVector(f, vectorPointer, 0, tail);
      f.localSet(operand);
      apply();
      storePartialVector(f, output, 0, tail, value);
      f.localGet(input).i32Const(4 * tail).i32Add().localSet(input);
      f.localGet(output).i32Const(4 * tail).i32Add().localSet(output);
    }
  });
  return f;
}

/**
 * `output[r, c] = (input[r, c] − mean[c]) · factor[c] + offset[c]` (batch normalisation with the per-channel
 * factor `scale / √(variance + ε)` computed once). Arguments: input, mean, factor, offset, output, rows, fullVectors.
 */
function buildNormalizeRows(tail: number): FunctionBuilder {
  const { i32, v128 } = valueType;
  const f = new FunctionBuilder([i32, i32, i32, i32, i32, i32, i32]);
  const [input, mean, factor, offset, output, rows, fullVectors] = [0, 1, 2, 3, 4, 5, 6];
  const [meanPointer, factorPointer, offsetPointer, vectorsLeft] = Array.from({ length: 4 }, () => f.addLocal(i32));
  const value = f.addLocal(v128);
  const step = (width: number) => {
    loadPartialVector(f, input, 0, width);
    loadPartialVector(f, meanPointer, 0, width);
    f.f32x4Sub();
    loadPartialVector(f, factorPointer, 0, width);
    f.f32x4Mul();
    loadPartialVector(f, offsetPointer, 0, width);
    f.f32x4Add().localSet(value);
    storePartialVector(f, output, 0, width, value);
    for (const pointer of [input, meanPointer, factorPointer, offsetPointer, output]) {
      f.localGet(pointer).i32Const(4 * width).i32Add().localSet(pointer);
    }
  };
  f.repeat(rows, () => {
    f.localGet(mean).localSet(meanPointer).localGet(factor).localSet(factorPointer).localGet(offset).localSet(offsetPointer);
    f.localGet(fullVectors).localSet(vectorsLeft);
    f.repeat(vectorsLeft, () => step(4));
    if (tail > 0) {
      step(tail);
    }
  });
  return f;
}

function columnSumName(channels: number): string {
  return `columnSum${channels}`;
}

function broadcastName(operation: ChannelOperation, vectorFirst: boolean, tail: number): string {
  return `${operation}${vectorFirst ? 'VectorFirst' : ''}${tail}`;
}

/** Builds the functions of the per-channel SIMD module (load it with `loadSimdModule(backend, 'channels', …)`). */
export function buildChannelModule(): Record<string, FunctionBuilder> {
  const functions: Record<string, FunctionBuilder> = {};
  for (let channels = 1; channels <= columnBlock; channels += 1) {
    const vectors = Math.ceil(channels / 4);
    functions[columnSumName(channels)] = buildColumnSum(vectors, channels - 4 * (vectors - 1));
  }
  for (let tail = 0; tail < 4; tail += 1) {
    for (const operation of Object.keys(operationCodes) as ChannelOperation[]) {
      for (const vectorFirst of [false, true]) {
        functions[broadcastName(operation, vectorFirst, tail)] = buildBroadcastRows(operation, vectorFirst, tail);
      }
    }
    functions[`normalize${tail}`] = buildNormalizeRows(tail);
  }
  return functions;
}

const floatBytes = 4;

/** `output[c] = Σ_r input[r, c] / divisor` for an `input` of `rows × channels` floats (addresses in bytes). */
export function sumColumns(simd: SimdModule, input: number, output: number, rows: number, channels: number, divisor: number): void {
  for (let channel = 0; channel < channels; channel += columnBlock) {
    simd.functions[columnSumName(Math.min(columnBlock, channels - channel))](
      input + channel * floatBytes,
      output + channel * floatBytes,
      rows,
      channels * floatBytes,
      divisor,
    );
  }
}

/** `output[r, c] = input[r, c] ∘ vector[c]` (operands swapped when `vectorFirst`), `rows × channels` floats. */
export function broadcastChannels(
  simd: SimdModule,
  operation: ChannelOperation,
  vectorFirst: boolean,
  addresses: { input: number; vector: number; output: number },
  rows: number,
  channels: number,
): void {
  simd.functions[broadcastName(operation, vectorFirst, channels % 4)](
    addresses.input,
    addresses.vector,
    addresses.output,
    rows,
    Math.floor(channels / 4),
  );
}

/** `output[r, c] = (input[r, c] − mean[c]) · factor[c] + offset[c]`, `rows × channels` floats. */
export function normalizeChannels(
  simd: SimdModule,
  addresses: { input: number; mean: number; factor: number; offset: number; output: number },
  rows: number,
  channels: number,
): void {
  simd.functions[`normalize${channels % 4}`](
    addresses.input,
    addresses.mean,
    addresses.factor,
    addresses.offset,
    addresses.output,
    rows,
    Math.floor(channels / 4),
  );
}
