import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClose, randomArray, referenceSelfRouting } from './__fixtures__/reference';
import { selfRouting2d, selfRoutingCoefficients } from './self-routing';

let tensorsBefore = 0;
beforeEach(() => {
  tensorsBefore = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

/** Random inputs and weights for a layer A → B with C → D dimensions on an H×W grid. */
function setup(options: { batch: number; height: number; width: number; A: number; C: number; B: number; D: number; k: number; seed: number; zeroRoute?: boolean }) {
  const { batch, height, width, A, C, B, D, k, seed } = options;
  const rows = k * k * A;
  const activations = randomArray(batch * height * width * A, seed, 0, 1);
  const poses = randomArray(batch * height * width * A * C, seed + 1);
  const pose = randomArray(rows * B * D * C, seed + 2);
  const route = options.zeroRoute ? new Array(rows * B * C).fill(0) : randomArray(rows * B * C, seed + 3);
  const routeBias = options.zeroRoute ? new Array(rows * B).fill(0) : randomArray(rows * B, seed + 4);
  return {
    raw: { activations, poses, pose, route, routeBias },
    shapes: { activations: [batch, height, width, A], poses: [batch, height, width, A * C] },
    tensors: () => ({
      activations: tf.tensor4d(activations, [batch, height, width, A]),
      poses: tf.tensor4d(poses, [batch, height, width, A * C]),
      pose: tf.tensor3d(pose, [rows, B * D, C]),
      route: tf.tensor3d(route, [rows, B, C]),
      routeBias: tf.tensor2d(routeBias, [rows, B]),
    }),
  };
}

describe('selfRouting2d', () => {
  const cases = [
    { name: '3×3 stride 2 padding 1 on 5×5', batch: 2, height: 5, width: 5, A: 3, C: 2, B: 4, D: 3, k: 3, stride: 2, padding: 1 },
    { name: '3×3 stride 1 padding 0 on 4×3', batch: 1, height: 4, width: 3, A: 2, C: 3, B: 2, D: 2, k: 3, stride: 1, padding: 0 },
    { name: '2×2 stride 1 padding 1 on 3×3', batch: 2, height: 3, width: 3, A: 2, C: 2, B: 3, D: 1, k: 2, stride: 1, padding: 1 },
    { name: 'fully connected (1×1 grid, kernel 1)', batch: 3, height: 1, width: 1, A: 5, C: 4, B: 3, D: 2, k: 1, stride: 1, padding: 0 },
    { name: 'class layer form (kernel = grid)', batch: 2, height: 3, width: 3, A: 2, C: 3, B: 4, D: 2, k: 3, stride: 1, padding: 0 },
  ];
  for (const [index, example] of cases.entries()) {
    it(`matches the loop-by-loop reference: ${example.name}`, () => {
      const data = setup({ ...example, seed: 10 * index + 1 });
      const expected = referenceSelfRouting(
        { data: data.raw.activations, shape: data.shapes.activations },
        { data: data.raw.poses, shape: data.shapes.poses },
        data.raw,
        { B: example.B, D: example.D, k: example.k, stride: example.stride, padding: example.padding },
      );
      const tensors = data.tensors();
      const output = selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, tensors, { kernelSize: example.k, stride: example.stride, padding: example.padding });
      expect(output.activations.shape).toEqual([example.batch, expected.outHeight, expected.outWidth, example.B]);
      expect(output.poses!.shape).toEqual([example.batch, expected.outHeight, expected.outWidth, example.B * example.D]);
      expectClose(output.activations.dataSync(), expected.activations, 1e-5);
      expectClose(output.poses!.dataSync(), expected.poses, 1e-4);
      tf.dispose([output.activations, output.poses!, ...Object.values(tensors)]);
    });
  }

  it('gives a probability vector at the class layer (activations sum to 1 over classes)', () => {
    const data = setup({ batch: 3, height: 4, width: 4, A: 3, C: 2, B: 5, D: 1, k: 4, seed: 7 });
    const tensors = data.tensors();
    const { activations, poses } = selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, { route: tensors.route, routeBias: tensors.routeBias }, { kernelSize: 4, stride: 1, padding: 0 });
    expect(poses).toBeUndefined();
    expect(activations.shape).toEqual([3, 1, 1, 5]);
    const sums = tf.sum(activations, 3);
    expectClose(sums.dataSync(), [1, 1, 1], 1e-5);
    tf.dispose([sums, activations, ...Object.values(tensors)]);
  });

  it('routes uniformly at zero initialisation: every class activation is 1/classes and the pose is the mean prediction weighted by a', () => {
    const data = setup({ batch: 2, height: 2, width: 2, A: 2, C: 3, B: 4, D: 2, k: 2, seed: 3, zeroRoute: true });
    const tensors = data.tensors();
    const output = selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, tensors, { kernelSize: 2, stride: 1, padding: 0 });
    expectClose(output.activations.dataSync(), new Array(8).fill(0.25), 1e-6);
    const coefficients = selfRoutingCoefficients({ activations: tensors.activations, poses: tensors.poses }, tensors, { kernelSize: 2, stride: 1, padding: 0 });
    expectClose(coefficients.coefficients.dataSync(), new Array(8 * 2 * 4).fill(0.25), 1e-6);
    tf.dispose([output.activations, output.poses!, coefficients.coefficients, coefficients.activations, coefficients.poses, ...Object.values(tensors)]);
  });

  it('is invariant to scaling all input activations (a_j and u_j are ratios of activation sums)', () => {
    const data = setup({ batch: 2, height: 3, width: 3, A: 2, C: 2, B: 3, D: 2, k: 3, seed: 5 });
    const tensors = data.tensors();
    const scaled = tf.mul(tensors.activations, 0.37) as tf.Tensor4D;
    const window = { kernelSize: 3, stride: 1, padding: 1 };
    const original = selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, tensors, window);
    const rescaled = selfRouting2d({ activations: scaled, poses: tensors.poses }, tensors, window);
    expectClose(rescaled.activations.dataSync(), original.activations.dataSync(), 1e-5);
    expectClose(rescaled.poses!.dataSync(), original.poses!.dataSync(), 1e-4);
    tf.dispose([scaled, original.activations, original.poses!, rescaled.activations, rescaled.poses!, ...Object.values(tensors)]);
  });

  it('is invariant to permuting the capsule types of the input together with the weight rows', () => {
    const data = setup({ batch: 1, height: 1, width: 1, A: 3, C: 2, B: 2, D: 2, k: 1, seed: 9 });
    const tensors = data.tensors();
    const window = { kernelSize: 1, stride: 1, padding: 0 };
    const order = [2, 0, 1];
    const permutedActivations = tf.gather(tensors.activations, order, 3) as tf.Tensor4D;
    const permutedPoses = tf.gather(tensors.poses, order.flatMap((type) => [2 * type, 2 * type + 1]), 3) as tf.Tensor4D;
    const permuted = { pose: tf.gather(tensors.pose, order) as tf.Tensor3D, route: tf.gather(tensors.route, order) as tf.Tensor3D, routeBias: tf.gather(tensors.routeBias, order) as tf.Tensor2D };
    const original = selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, tensors, window);
    const reordered = selfRouting2d({ activations: permutedActivations, poses: permutedPoses }, permuted, window);
    expectClose(reordered.activations.dataSync(), original.activations.dataSync(), 1e-6);
    expectClose(reordered.poses!.dataSync(), original.poses!.dataSync(), 1e-5);
    tf.dispose([permutedActivations, permutedPoses, ...Object.values(permuted), original.activations, original.poses!, reordered.activations, reordered.poses!, ...Object.values(tensors)]);
  });

  it('gives zeros, not NaN, for a window whose activations are all zero, and finite gradients', () => {
    const data = setup({ batch: 1, height: 2, width: 2, A: 2, C: 2, B: 3, D: 2, k: 2, seed: 11 });
    const tensors = data.tensors();
    const zeros = tf.zerosLike(tensors.activations) as tf.Tensor4D;
    const window = { kernelSize: 2, stride: 1, padding: 0 };
    const output = selfRouting2d({ activations: zeros, poses: tensors.poses }, tensors, window);
    expect(Array.from(output.activations.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(output.poses!.dataSync())).toEqual(new Array(6).fill(0));
    const gradients = tf.grads((activations: tf.Tensor, route: tf.Tensor) => {
      const routed = selfRouting2d({ activations: activations as tf.Tensor4D, poses: tensors.poses }, { ...tensors, route: route as tf.Tensor3D }, window);
      return tf.add(tf.sum(routed.activations), tf.sum(routed.poses!));
    })([zeros, tensors.route]);
    for (const gradient of gradients) expect(Array.from(gradient.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([zeros, output.activations, output.poses!, ...gradients, ...Object.values(tensors)]);
  });

  it('names both shapes when the weights do not fit the previous layer', () => {
    const data = setup({ batch: 1, height: 3, width: 3, A: 2, C: 2, B: 2, D: 2, k: 3, seed: 13 });
    const tensors = data.tensors();
    const wrongRoute = tf.zeros([9 * 2, 2, 3]) as tf.Tensor3D;
    const wrongPoses = tf.zeros([1, 3, 3, 5]) as tf.Tensor4D;
    const window = { kernelSize: 3, stride: 1, padding: 0 };
    const call = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const routeError = call(() => selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, { ...tensors, route: wrongRoute }, window)) as Error;
    expect(InvalidArgumentError.isInstance(routeError)).toBe(true);
    expect(routeError.message).toContain('[18,2,3]');
    expect(routeError.message).toContain('expected [18, B, 2]');
    const poseError = call(() => selfRouting2d({ activations: tensors.activations, poses: wrongPoses }, tensors, window)) as Error;
    expect(poseError.message).toContain('poses [1,3,3,5] do not fit activations [1,3,3,2]');
    const kernelError = call(() => selfRouting2d({ activations: tensors.activations, poses: tensors.poses }, tensors, { kernelSize: 5, stride: 1, padding: 0 })) as Error;
    expect(InvalidArgumentError.isInstance(kernelError)).toBe(true);
    expect(kernelError.message).toContain('does not fit the 3×3 capsule grid');
    tf.dispose([wrongRoute, wrongPoses, ...Object.values(tensors)]);
  });
});
