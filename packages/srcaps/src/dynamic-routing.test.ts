import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose, randomArray, referenceDynamicRouting, referenceSquash } from './__fixtures__/reference';
import { dynamicRouting, dynamicRouting2d, squash } from './dynamic-routing';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

describe('squash', () => {
  it('matches ‖s‖²/(1+‖s‖²) · s/‖s‖ and maps zero to zero', () => {
    const vectors = [[3, 4], [0.1, -0.2], [0, 0]];
    const input = tf.tensor2d(vectors);
    const output = squash(input);
    expectClose(output.dataSync(), vectors.flatMap(referenceSquash), 1e-6);
    tf.dispose([input, output]);
  });
});

describe('dynamicRouting', () => {
  for (const iterations of [1, 3]) {
    it(`matches the reference routing by agreement with ${iterations} iteration(s)`, () => {
      const [batch, inCaps, outCaps, D] = [2, 5, 3, 4];
      const values = randomArray(batch * inCaps * outCaps * D, 17 + iterations);
      const nested = Array.from({ length: batch }, (_, b) =>
        Array.from({ length: inCaps }, (_, i) => Array.from({ length: outCaps }, (_, j) => values.slice(((b * inCaps + i) * outCaps + j) * D, ((b * inCaps + i) * outCaps + j + 1) * D))),
      );
      const predictions = tf.tensor4d(values, [batch, inCaps, outCaps, D]);
      const output = dynamicRouting(predictions, iterations);
      expect(output.shape).toEqual([batch, outCaps, D]);
      expectClose(output.dataSync(), referenceDynamicRouting(nested, iterations).flat(2), 1e-5);
      tf.dispose([predictions, output]);
    });
  }

  it('gives output capsules shorter than 1 and rejects bad arguments', () => {
    const predictions = tf.tensor4d(randomArray(1 * 4 * 2 * 3, 3, -5, 5), [1, 4, 2, 3]);
    const output = dynamicRouting(predictions, 3);
    const lengths = tf.norm(output, 'euclidean', 2);
    expect(Math.max(...lengths.dataSync())).toBeLessThan(1);
    expect(() => dynamicRouting(predictions, 0)).toThrow(/iterations must be a positive integer/);
    const flat = tf.zeros([4, 2, 3]);
    expect(() => dynamicRouting(flat as unknown as tf.Tensor4D, 3)).toThrow(/\[b, inCaps, outCaps, D\]/);
    tf.dispose([predictions, output, lengths, flat]);
  });
});

describe('dynamicRouting2d', () => {
  it('routes each window like dynamicRouting on the window votes', () => {
    // A 1×1 grid with kernel 1: the window is the A capsules of the cell.
    const [A, C, B, D] = [3, 2, 2, 2];
    const poseValues = randomArray(A * C, 5);
    const weightValues = randomArray(A * B * D * C, 6);
    const poses = tf.tensor4d(poseValues, [1, 1, 1, A * C]);
    const weights = tf.tensor3d(weightValues, [A, B * D, C]);
    const output = dynamicRouting2d(poses, { pose: weights }, { kernelSize: 1, stride: 1, padding: 0, types: A, capsules: B, iterations: 3 });
    const votes = [Array.from({ length: A }, (_, i) => Array.from({ length: B }, (_, j) => Array.from({ length: D }, (_, d) => Array.from({ length: C }, (_, c) => weightValues[(i * B * D + j * D + d) * C + c] * poseValues[i * C + c]).reduce((sum, value) => sum + value, 0))))];
    expectClose(output.dataSync(), referenceDynamicRouting(votes, 3).flat(2), 1e-5);
    const wrong = tf.zeros([A, B * D, C + 1]) as tf.Tensor3D;
    let caught: unknown;
    try {
      dynamicRouting2d(poses, { pose: wrong }, { kernelSize: 1, stride: 1, padding: 0, types: A, capsules: B, iterations: 3 });
    } catch (error) {
      caught = error;
    }
    expect(InvalidArgumentError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/pose weights \[3,4,3\] do not fit poses \[1,1,1,6\]/);
    tf.dispose([poses, weights, output, wrong]);
  });
});
