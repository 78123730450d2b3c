import type { TensorInfo } from '@tensorflow/tfjs';
import type { SimdModule } from './simd-module';
import { FunctionBuilder, loadPartialVector, storePartialVector, valueType } from './wasm-module-builder';

/**
 * SIMD loops for batched matrix products `C[i] = A[i] · B[i]` with many small matrices, the shape of
 * a capsule layer's pose transform and routing logits (`[k·k·A, positions, C] · [k·k·A, C, B·D]`):
 * tfjs-backend-wasm 4.22.0 hands a batch > 1 to a scalar triple loop. Each function computes one
 * panel of up to 16 output columns for every row of one matrix, keeping the panel's accumulators in
 * registers: per step along the inner dimension, for two rows at a time, two broadcasts of `A[r, p]`
 * and up to four vectors of `B[p, …]`. `A` is read through strides, so a transposed `A` costs nothing; `B` must be row-major.
 */

/** Output columns per call: four vectors. */
export const panelColumns = 16;

/**
 * `c[r, 0…w) = Σ_p a[r·aRowStep + p·aDepthStep] · b[p·bDepthStep + 0…w)` for `2·pairs + odd` rows, with
 * `w = 4 · (vectors − 1) + lastWidth`. Rows go two at a time (each vector of `b` loaded once for both), then the
 * odd one. Arguments (i32, addresses and steps in bytes): a, b, c, pairs, odd (0 or 1), depth, aRowStep,
 * aDepthStep, bDepthStep, cRowStep. Each sum runs in order of `p`, whatever the blocking.
 */
function buildPanel(vectors: number, lastWidth: number): FunctionBuilder {
  const { i32, v128 } = valueType;
  const f = new FunctionBuilder([i32, i32, i32, i32, i32, i32, i32, i32, i32, i32]);
  const [a, b, c, pairs, odd, depth, aRowStep, aDepthStep, bDepthStep, cRowStep] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [count, aPointer, secondPointer, bPointer, secondOutput] = [f.addLocal(i32), f.addLocal(i32), f.addLocal(i32), f.addLocal(i32), f.addLocal(i32)];
  const [first, second, column] = [f.addLocal(v128), f.addLocal(v128), f.addLocal(v128)];
  const sums = Array.from({ length: vectors }, () => f.addLocal(v128));
  const secondSums = Array.from({ length: vectors }, () => f.addLocal(v128));
  const widthOf = (vector: number) => (vector === vectors - 1 ? lastWidth : 4);
  const start = () => {
    f.localGet(a).localSet(aPointer);
    f.localGet(b).localSet(bPointer);
    f.localGet(depth).localSet(count);
  };
  f.repeat(pairs, () => {
    for (const sum of [...sums, ...secondSums]) f.v128Zero().localSet(sum);
    start();
    f.localGet(a).localGet(aRowStep).i32Add().localSet(secondPointer);
    f.repeat(count, () => {
      f.localGet(aPointer).v128Load32Splat(0).localSet(first);
      f.localGet(secondPointer).v128Load32Splat(0).localSet(second);
      for (let vector = 0; vector < vectors; vector += 1) {
        loadPartialVector(f, bPointer, 16 * vector, widthOf(vector));
        f.localSet(column);
        f.localGet(sums[vector]).localGet(column).localGet(first).f32x4Mul().f32x4Add().localSet(sums[vector]);
        f.localGet(secondSums[vector]).localGet(column).localGet(second).f32x4Mul().f32x4Add().localSet(secondSums[vector]);
      }
      f.advance(aPointer, aDepthStep);
      f.advance(secondPointer, aDepthStep);
      f.advance(bPointer, bDepthStep);
    });
    f.localGet(c).localGet(cRowStep).i32Add().localSet(secondOutput);
    for (let vector = 0; vector < vectors; vector += 1) {
      storePartialVector(f, c, 16 * vector, widthOf(vector), sums[vector]);
      storePartialVector(f, secondOutput, 16 * vector, widthOf(vector), secondSums[vector]);
    }
    f.advance(a, aRowStep).advance(a, aRowStep);
    f.advance(c, cRowStep).advance(c, cRowStep);
  });
  f.repeat(odd, () => {
    for (const sum of sums) f.v128Zero().localSet(sum);
    start();
    f.repeat(count, () => {
      f.localGet(aPointer).v128Load32Splat(0).localSet(first);
      for (let vector = 0; vector < vectors; vector += 1) {
        f.localGet(sums[vector]);
        loadPartialVector(f, bPointer, 16 * vector, widthOf(vector));
        f.localGet(first).f32x4Mul().f32x4Add().localSet(sums[vector]);
      }
      f.advance(aPointer, aDepthStep);
      f.advance(bPointer, bDepthStep);
    });
    for (let vector = 0; vector < vectors; vector += 1) storePartialVector(f, c, 16 * vector, widthOf(vector), sums[vector]);
  });
  return f;
}

/** The module: one panel function per (vectors 1–4, last vector's width 1–4). */
export function buildBatchMatMulModule(): Record<string, FunctionBuilder> {
  const functions: Record<string, FunctionBuilder> = {};
  for (let vectors = 1; vectors <= 4; vectors += 1) {
    for (let lastWidth = 1; lastWidth <= 4; lastWidth += 1) functions[`panel${vectors}x${lastWidth}`] = buildPanel(vectors, lastWidth);
  }
  return functions;
}

/** Shapes of one batched product, in elements. */
export interface BatchMatMulLayout {
  /** Matrices in the output. */
  batch: number;
  rows: number;
  depth: number;
  columns: number;
  /** `A` is stored `[depth, rows]` per matrix (`transposeA`). */
  transposeA: boolean;
  /** Elements between consecutive matrices of `A` and `B` (0 for an operand broadcast over the batch). */
  aBatchStride: number;
  bBatchStride: number;
}

/**
 * Runs the panels over every matrix of the batch: `a`, `b` (row-major `[depth, columns]` per
 * matrix) and `c` (`[batch, rows, columns]`, written) are tensors on the module's backend.
 */
export function runSimdBatchMatMul(simd: SimdModule, a: TensorInfo, b: TensorInfo, c: TensorInfo, layout: BatchMatMulLayout): void {
  const { batch, rows, depth, columns, transposeA } = layout;
  const [aAddress, bAddress, cAddress] = [simd.address(a), simd.address(b), simd.address(c)];
  const aRowStep = 4 * (transposeA ? 1 : depth);
  const aDepthStep = 4 * (transposeA ? rows : 1);
  const bDepthStep = 4 * columns;
  const cRowStep = 4 * columns;
  const panels: Array<{ column: number; run: (...args: number[]) => void }> = [];
  for (let column = 0; column < columns; column += panelColumns) {
    const width = Math.min(panelColumns, columns - column);
    const vectors = Math.ceil(width / 4);
    panels.push({ column, run: simd.functions[`panel${vectors}x${width - 4 * (vectors - 1)}`] });
  }
  for (let matrix = 0; matrix < batch; matrix += 1) {
    const aMatrix = aAddress + 4 * matrix * layout.aBatchStride;
    const bMatrix = bAddress + 4 * matrix * layout.bBatchStride;
    const cMatrix = cAddress + 4 * matrix * rows * columns;
    for (const panel of panels) {
      panel.run(aMatrix, bMatrix + 4 * panel.column, cMatrix + 4 * panel.column, rows >> 1, rows & 1, depth, aRowStep, aDepthStep, bDepthStep, cRowStep);
    }
  }
}
