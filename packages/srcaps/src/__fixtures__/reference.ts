/**
 * Plain-JS float64 re-statements of the SR-CapsNet reference layers (`modules.py` of
 * coder3000/SR-CapsNet: `F.unfold`, `SelfRouting2d.forward`, `DynamicRouting2d.forward` and
 * `utils.squash`), written loop by loop in NCHW-free index form, used as ground truth by the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** A small deterministic generator for test data (not the runtime's). */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
}

export function randomArray(length: number, seed: number, low = -1, high = 1): number[] {
  const next = lcg(seed);
  return Array.from({ length }, () => low + (high - low) * next());
}

/** Index of `[b, y, x, c]` in an NHWC array. */
const at = (shape: number[], b: number, y: number, x: number, c: number) => ((b * shape[1] + y) * shape[2] + x) * shape[3] + c;

/**
 * Self-routing, one output position at a time: for output cell (y', x') the window's capsule
 * `i = (ky·k + kx)·A + a` reads input cell (y'·s + ky − p, x'·s + kx − p) (zero outside).
 */
export function referenceSelfRouting(
  activations: { data: number[]; shape: number[] },
  poses: { data: number[]; shape: number[] },
  weights: { pose?: number[]; route: number[]; routeBias: number[] },
  options: { B: number; D: number; k: number; stride: number; padding: number },
): { activations: number[]; poses: number[]; outHeight: number; outWidth: number } {
  const [batch, height, width, A] = activations.shape;
  const C = poses.shape[3] / A;
  const { B, D, k, stride, padding } = options;
  const outHeight = Math.floor((height + 2 * padding - k) / stride) + 1;
  const outWidth = Math.floor((width + 2 * padding - k) / stride) + 1;
  const rows = k * k * A;
  const outActivations: number[] = [];
  const outPoses: number[] = [];
  for (let b = 0; b < batch; b += 1) {
    for (let oy = 0; oy < outHeight; oy += 1) {
      for (let ox = 0; ox < outWidth; ox += 1) {
        const arSum = new Array(B).fill(0);
        let aSum = 0;
        const poseSum = Array.from({ length: B }, () => new Array(D).fill(0));
        for (let i = 0; i < rows; i += 1) {
          const offset = Math.floor(i / A);
          const a = i % A;
          const y = oy * stride + Math.floor(offset / k) - padding;
          const x = ox * stride + (offset % k) - padding;
          const inside = y >= 0 && y < height && x >= 0 && x < width;
          const activation = inside ? activations.data[at(activations.shape, b, y, x, a)] : 0;
          const u = Array.from({ length: C }, (_, c) => (inside ? poses.data[at(poses.shape, b, y, x, a * C + c)] : 0));
          const logits = Array.from({ length: B }, (_, j) => weights.routeBias[i * B + j] + u.reduce((sum, value, c) => sum + weights.route[(i * B + j) * C + c] * value, 0));
          const max = Math.max(...logits);
          const exps = logits.map((logit) => Math.exp(logit - max));
          const total = exps.reduce((sum, value) => sum + value, 0);
          aSum += activation;
          for (let j = 0; j < B; j += 1) {
            const ar = (activation * exps[j]) / total;
            arSum[j] += ar;
            if (weights.pose) {
              for (let d = 0; d < D; d += 1) {
                const prediction = u.reduce((sum, value, c) => sum + weights.pose![(i * B * D + j * D + d) * C + c] * value, 0);
                poseSum[j][d] += ar * prediction;
              }
            }
          }
        }
        for (let j = 0; j < B; j += 1) {
          outActivations.push(arSum[j] / (aSum + 1e-8));
          for (let d = 0; d < D; d += 1) outPoses.push(poseSum[j][d] / (arSum[j] + 1e-8));
        }
      }
    }
  }
  return { activations: outActivations, poses: weights.pose ? outPoses : [], outHeight, outWidth };
}

export function referenceSquash(vector: number[]): number[] {
  const squared = vector.reduce((sum, value) => sum + value * value, 0);
  const norm = Math.sqrt(squared);
  return vector.map((value) => (norm === 0 ? 0 : (squared / (1 + squared)) * (value / norm)));
}

/** Routing by agreement on `predictions[b][i][j][d]`. */
export function referenceDynamicRouting(predictions: number[][][][], iterations: number): number[][][] {
  return predictions.map((votes) => {
    const inCaps = votes.length;
    const outCaps = votes[0].length;
    const D = votes[0][0].length;
    const logits = Array.from({ length: inCaps }, () => new Array(outCaps).fill(0));
    let outputs: number[][] = [];
    for (let iteration = 0; iteration < iterations; iteration += 1) {
      const coefficients = logits.map((row) => {
        const max = Math.max(...row);
        const exps = row.map((value) => Math.exp(value - max));
        const total = exps.reduce((sum, value) => sum + value, 0);
        return exps.map((value) => value / total);
      });
      outputs = Array.from({ length: outCaps }, (_, j) =>
        referenceSquash(Array.from({ length: D }, (_, d) => votes.reduce((sum, vote, i) => sum + coefficients[i][j] * vote[j][d], 0))),
      );
      if (iteration < iterations - 1) {
        for (let i = 0; i < inCaps; i += 1) {
          for (let j = 0; j < outCaps; j += 1) logits[i][j] += votes[i][j].reduce((sum, value, d) => sum + value * outputs[j][d], 0);
        }
      }
    }
    return outputs;
  });
}

/** Expects every value of `actual` within `tolerance` of `expected` (absolute). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let index = 0; index < expected.length; index += 1) worst = Math.max(worst, Math.abs(actual[index] - expected[index]));
  expect(worst).toBeLessThan(tolerance);
}

/** Runs `body` and expects the number of live tensors to be unchanged afterwards. */
export async function expectNoLeak(body: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await body();
  expect(tf.memory().numTensors).toBe(before);
}
