import * as tf from '@tensorflow/tfjs';

/**
 * A small separable quadratic for optimiser tests: loss = ½ Σ curvature · (θ − target)² over a
 * vector `theta` [3] and a matrix `weights` [2, 2], so the gradient is curvature · (θ − target).
 */
export const quadratic = {
  names: ['quadratic/theta', 'quadratic/weights'],
  shapes: [[3], [2, 2]] as const,
  start: [
    [1, -2, 0.5],
    [0.3, -0.7, 2, 0],
  ],
  curvature: [
    [1, 4, 0.5],
    [2, 1, 3, 0.25],
  ],
  target: [
    [0, 1, -1],
    [1, 0, -0.5, 2],
  ],
};

/** Float64 gradient of the quadratic at `values` (one flat array per variable). */
export function quadraticGradient(values: number[][]): number[][] {
  return values.map((flat, variable) => flat.map((value, index) => quadratic.curvature[variable][index] * (value - quadratic.target[variable][index])));
}

/** The quadratic's variables at their start values (dispose them after the test). */
export function createQuadraticVariables(): tf.Variable[] {
  return tf.tidy(() =>
    quadratic.names.map((name, index) => tf.variable(tf.tensor(quadratic.start[index], [...quadratic.shapes[index]]), true, name)),
  );
}

/** The quadratic's loss as a tfjs scalar of `variables`. */
export function quadraticLoss(variables: tf.Variable[]): tf.Scalar {
  return tf.tidy(() =>
    tf.mul(
      tf.addN(
        variables.map((variable, index) =>
          tf.sum(tf.mul(tf.tensor(quadratic.curvature[index], variable.shape), tf.square(tf.sub(variable, tf.tensor(quadratic.target[index], variable.shape))))),
        ),
      ),
      0.5,
    ) as tf.Scalar,
  );
}

/** Current values of `variables` as flat arrays. */
export function valuesOf(variables: tf.Variable[]): number[][] {
  return variables.map((variable) => Array.from(variable.dataSync()));
}

/** Float64 value of the quadratic's loss. */
export function quadraticLossValue(values: number[][]): number {
  let total = 0;
  values.forEach((flat, variable) =>
    flat.forEach((value, index) => {
      total += 0.5 * quadratic.curvature[variable][index] * (value - quadratic.target[variable][index]) ** 2;
    }),
  );
  return total;
}
