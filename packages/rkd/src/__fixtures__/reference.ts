/**
 * Plain-JS float64 re-statements of the reference formulas (lenscloth/RKD `metric/loss.py`,
 * RepDistiller `at_loss`), used as ground truth by the tests.
 */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

export type Matrix = number[][];

export function referencePdist(rows: Matrix): Matrix {
  const batch = rows.length;
  const squaredNorms = rows.map((row) => row.reduce((sum, value) => sum + value * value, 0));
  return rows.map((row, i) =>
    rows.map((other, j) => {
      if (i === j) return 0;
      const product = row.reduce((sum, value, index) => sum + value * other[index], 0);
      return Math.sqrt(Math.max(squaredNorms[i] + squaredNorms[j] - 2 * product, 1e-12));
    }),
  ).slice(0, batch);
}

export function smoothL1(x: number): number {
  const absolute = Math.abs(x);
  return absolute < 1 ? 0.5 * x * x : absolute - 0.5;
}

export function referenceDistanceLoss(student: Matrix, teacher: Matrix): number {
  const normalise = (distances: Matrix): Matrix => {
    const positive = distances.flat().filter((value) => value > 0);
    const mean = positive.length === 0 ? 1 : positive.reduce((a, b) => a + b, 0) / positive.length;
    return distances.map((row) => row.map((value) => value / mean));
  };
  const studentRelation = normalise(referencePdist(student));
  const teacherRelation = normalise(referencePdist(teacher));
  let total = 0;
  for (let i = 0; i < student.length; i += 1) {
    for (let j = 0; j < student.length; j += 1) total += smoothL1(studentRelation[i][j] - teacherRelation[i][j]);
  }
  return total / student.length ** 2;
}

function referenceCosines(rows: Matrix): number[] {
  const batch = rows.length;
  const unit = (from: number[], to: number[]): number[] => {
    const difference = to.map((value, index) => value - from[index]);
    const norm = Math.sqrt(difference.reduce((sum, value) => sum + value * value, 0));
    return difference.map((value) => value / Math.max(norm, 1e-12));
  };
  const cosines: number[] = [];
  for (let a = 0; a < batch; a += 1) {
    for (let b = 0; b < batch; b += 1) {
      for (let c = 0; c < batch; c += 1) {
        const ab = unit(rows[a], rows[b]);
        const ac = unit(rows[a], rows[c]);
        cosines.push(ab.reduce((sum, value, index) => sum + value * ac[index], 0));
      }
    }
  }
  return cosines;
}

export function referenceAngleLoss(student: Matrix, teacher: Matrix): number {
  const studentCosines = referenceCosines(student);
  const teacherCosines = referenceCosines(teacher);
  let total = 0;
  for (let index = 0; index < studentCosines.length; index += 1) total += smoothL1(studentCosines[index] - teacherCosines[index]);
  return total / studentCosines.length;
}

/** Runs `body` and checks that it leaves no tensor behind. */
export async function expectNoLeak(body: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  await body();
  expect(tf.memory().numTensors).toBe(before);
}

/** Deterministic pseudo-random matrix (values in [-1, 1)). */
export function randomMatrix(rows: number, columns: number, seed: number): Matrix {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  return Array.from({ length: rows }, () => Array.from({ length: columns }, () => next() * 2 - 1));
}
