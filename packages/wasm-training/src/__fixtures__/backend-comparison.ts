import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Tensor contents kept on the host, so each backend builds its own copy (no cross-backend moves). */
export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Result of {@link runKernelOn}: the first output and what the call left allocated. */
export interface KernelRun {
  values: Float32Array | Int32Array | Uint8Array;
  shape: number[];
  dtype: string;
  leakedTensors: number;
  leakedDataIds: number;
}

/** Deterministic values in [-1, 1) (mulberry32), so failures reproduce. */
export function randomTensor(shape: number[], seed: number): HostTensor {
  let state = seed >>> 0;
  const size = shape.reduce((product, length) => product * length, 1);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index += 1) {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    values[index] = (((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return { values, shape, dtype: 'float32' };
}

/** An int32 host tensor. */
export function integerTensor(values: number[], shape: number[] = [values.length]): HostTensor {
  return { values: Int32Array.from(values), shape, dtype: 'int32' };
}

/** A float32 host tensor. */
export function floatTensor(values: number[], shape: number[] = [values.length]): HostTensor {
  return { values: Float32Array.from(values), shape, dtype: 'float32' };
}

function currentDataIds(): number {
  return (tf.engine().backend as unknown as { numDataIds(): number }).numDataIds();
}

/**
 * Runs one kernel on `backendName` through the engine (so the registered kernel is used) and reports
 * the output plus the tensors and backend buffers still allocated after everything was disposed.
 */
export async function runKernelOn(
  backendName: string,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: NamedAttrMap,
): Promise<KernelRun> {
  await tf.setBackend(backendName);
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = currentDataIds();
  const inputTensors = Object.fromEntries(
    Object.entries(inputs).map(([name, input]) => [name, tf.tensor(input.values, input.shape, input.dtype)]),
  );
  const result = tf.engine().runKernel(kernelName, inputTensors, attrs) as Tensor | Tensor[];
  const outputs = Array.isArray(result) ? result : [result];
  const [output] = outputs;
  const run = {
    values: (await output.data()) as Float32Array | Int32Array | Uint8Array,
    shape: output.shape,
    dtype: output.dtype,
  };
  tf.dispose([...outputs, ...Object.values(inputTensors)]);
  return {
    ...run,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    leakedDataIds: currentDataIds() - dataIdsBefore,
  };
}

/** Largest absolute difference, relative to the largest magnitude in `expected` (or absolute when that is below 1). */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  let largestDifference = 0;
  let scale = 1;
  for (let index = 0; index < expected.length; index += 1) {
    largestDifference = Math.max(largestDifference, Math.abs(actual[index] - expected[index]));
    scale = Math.max(scale, Math.abs(expected[index]));
  }
  return largestDifference / scale;
}

/**
 * Runs `kernelName` on `cpu` and on `wasm` from the same host values and asserts that the wasm output has
 * `shape`, is within `tolerance` (max relative error, {@link maxRelativeError}) of cpu's, and leaks neither
 * tensors nor backend buffers. Returns both runs for further checks.
 */
export async function expectWasmMatchesCpu(
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: NamedAttrMap,
  expectation: { shape: number[]; tolerance: number },
): Promise<{ expected: KernelRun; actual: KernelRun }> {
  const expected = await runKernelOn('cpu', kernelName, inputs, attrs);
  const actual = await runKernelOn('wasm', kernelName, inputs, attrs);
  expect(actual.shape).toEqual(expectation.shape);
  expect(maxRelativeError(actual.values, expected.values)).toBeLessThan(expectation.tolerance);
  expect([actual.leakedTensors, actual.leakedDataIds]).toEqual([0, 0]);
  return { expected, actual };
}
