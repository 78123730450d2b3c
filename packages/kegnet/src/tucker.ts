import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { leadingColumns, matrixToTensor, svd, symmetricEigen, transposeMatrix, type Matrix } from './linear-algebra';

/** Ranks of a Tucker-2 decomposition: of the input-channel mode and of the output-channel mode. */
export interface Tucker2Ranks {
  in: number;
  out: number;
}

/** Options of {@link tucker2}. */
export interface Tucker2Options {
  /**
   * `hosvd`: the leading singular vectors of each mode's unfolding. `hooi` (default, as the
   * reference's tensorly `partial_tucker`): HOSVD, then alternating refinement of each factor given
   * the other (higher-order orthogonal iteration), which never increases the error.
   */
  method?: 'hosvd' | 'hooi';
  /** HOOI iterations at most (default 100, tensorly's). */
  maxIterations?: number;
  /** HOOI stops when the relative error changes by less than this (default 1e-5, tensorly's). */
  tolerance?: number;
}

/** Factors of {@link tucker2}, float32 tensors the caller disposes. */
export interface Tucker2Factors {
  /** `[1, 1, in, rIn]`: the 1×1 convolution projecting input channels (`U_in`). */
  first: tf.Tensor4D;
  /** `[kh, kw, rIn, rOut]`: the core, a k×k convolution with the original stride and padding. */
  core: tf.Tensor4D;
  /** `[1, 1, rOut, out]`: the 1×1 convolution back to the output channels (`U_outᵀ`); the original bias goes here. */
  last: tf.Tensor4D;
}

/**
 * Mode unfolding of a conv kernel `[kh, kw, in, out]`: `in × (kh·kw·out)` for `'in'` (mode 1 of the
 * reference's `[out, in, kh, kw]` weight), `out × (kh·kw·in)` for `'out'` (mode 0) — what EVBMF reads
 * to choose Tucker-2 ranks. Column order differs from tensorly's, which changes no singular value.
 */
export function unfoldKernel(kernel: { shape: readonly number[]; values: ArrayLike<number> }, mode: 'in' | 'out'): Matrix {
  const [kh, kw, inChannels, outChannels] = kernel.shape;
  return unfold({ kh, kw, in: inChannels, out: outChannels, values: Float64Array.from(kernel.values) }, mode);
}

/** A conv kernel `[kh, kw, in, out]` in float64. */
interface Kernel {
  kh: number;
  kw: number;
  in: number;
  out: number;
  values: Float64Array;
}

/** Mode unfolding: `in × (kh·kw·out)` for `'in'`, `out × (kh·kw·in)` for `'out'`. */
function unfold(kernel: Kernel, mode: 'in' | 'out'): Matrix {
  const spatial = kernel.kh * kernel.kw;
  const rows = mode === 'in' ? kernel.in : kernel.out;
  const other = mode === 'in' ? kernel.out : kernel.in;
  const values = new Float64Array(rows * spatial * other);
  for (let position = 0; position < spatial; position += 1) {
    for (let input = 0; input < kernel.in; input += 1) {
      for (let output = 0; output < kernel.out; output += 1) {
        const value = kernel.values[(position * kernel.in + input) * kernel.out + output];
        if (mode === 'in') values[input * spatial * other + position * other + output] = value;
        else values[output * spatial * other + position * other + input] = value;
      }
    }
  }
  return { rows, columns: spatial * other, values };
}

/**
 * `K ×_in A ×_out B` with `A [in, p]` and `B [out, q]` mapping the channel modes:
 * `T[h, w, a, b] = Σ_{i, o} K[h, w, i, o] · A[i, a] · B[o, b]`.
 */
function multiplyModes(kernel: Kernel, a: Matrix, b: Matrix): Kernel {
  const spatial = kernel.kh * kernel.kw;
  const p = a.columns;
  const q = b.columns;
  const halfway = new Float64Array(spatial * p * kernel.out);
  for (let position = 0; position < spatial; position += 1) {
    for (let input = 0; input < kernel.in; input += 1) {
      for (let target = 0; target < p; target += 1) {
        const factor = a.values[input * p + target];
        if (factor === 0) continue;
        const from = (position * kernel.in + input) * kernel.out;
        const to = (position * p + target) * kernel.out;
        for (let output = 0; output < kernel.out; output += 1) halfway[to + output] += factor * kernel.values[from + output];
      }
    }
  }
  const values = new Float64Array(spatial * p * q);
  for (let row = 0; row < spatial * p; row += 1) {
    for (let output = 0; output < kernel.out; output += 1) {
      const value = halfway[row * kernel.out + output];
      if (value === 0) continue;
      for (let target = 0; target < q; target += 1) values[row * q + target] += value * b.values[output * q + target];
    }
  }
  return { kh: kernel.kh, kw: kernel.kw, in: p, out: q, values };
}

/** The `rank` leading left singular vectors of a mode unfolding, as eigenvectors of its Gram matrix (a complete basis even past its rank). */
function leadingModeVectors(unfolding: Matrix, rank: number): Matrix {
  const gram = multiplyMatrices(unfolding);
  return leadingColumns(symmetricEigen(gram).vectors, rank);
}

/** `M · Mᵀ`. */
function multiplyMatrices(matrix: Matrix): Matrix {
  const { rows, columns, values } = matrix;
  const gram = new Float64Array(rows * rows);
  for (let left = 0; left < rows; left += 1) {
    for (let right = left; right < rows; right += 1) {
      let sum = 0;
      for (let k = 0; k < columns; k += 1) sum += values[left * columns + k] * values[right * columns + k];
      gram[left * rows + right] = sum;
      gram[right * rows + left] = sum;
    }
  }
  return { rows, columns: rows, values: gram };
}

function squaredNorm(values: Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return sum;
}

function checkRanks(ranks: Tucker2Ranks, inChannels: number, outChannels: number, what: string): void {
  for (const [mode, rank, limit] of [
    ['in', ranks.in, inChannels],
    ['out', ranks.out, outChannels],
  ] as const) {
    if (!Number.isInteger(rank) || rank < 1) throw new InvalidArgumentError(`ranks.${mode}`, `${what}: rank ${mode} must be a positive integer; got ${rank}.`);
    if (rank > limit) {
      throw new InvalidArgumentError(
        `ranks.${mode}`,
        `${what}: rank ${mode} = ${rank} is larger than the layer's ${mode === 'in' ? 'input' : 'output'} channels (${limit}); use a rank between 1 and ${limit}.`,
      );
    }
  }
}

/** Result of {@link tucker2Decompose}: float64 factors and the relative reconstruction error. */
export interface Tucker2Result {
  /** `U_in`, `in × rIn`, orthonormal columns. */
  inFactor: Matrix;
  /** `U_out`, `out × rOut`, orthonormal columns. */
  outFactor: Matrix;
  /** Core `[kh, kw, rIn, rOut]` values, row-major. */
  core: Float64Array;
  /** `‖K − K̂‖ / ‖K‖`. */
  relativeError: number;
  /** HOOI iterations run (0 for HOSVD). */
  iterations: number;
}

/**
 * Tucker-2 decomposition of a conv kernel over its two channel modes, in float64 (the work behind
 * {@link tucker2}): `K ≈ G ×_in U_in ×_out U_out` with orthonormal `U_in [in, rIn]`, `U_out [out, rOut]`
 * and core `G = K ×_in U_inᵀ ×_out U_outᵀ` (KegNet §4, after Kim et al. 2016).
 */
export function tucker2Decompose(kernel: { shape: readonly number[]; values: ArrayLike<number> }, ranks: Tucker2Ranks, options: Tucker2Options = {}): Tucker2Result {
  if (kernel.shape.length !== 4) throw new InvalidArgumentError('kernel', `tucker2 needs a conv kernel [kh, kw, in, out]; got shape [${kernel.shape.join(', ')}].`);
  const [kh, kw, inChannels, outChannels] = kernel.shape;
  checkRanks(ranks, inChannels, outChannels, 'tucker2');
  const k: Kernel = { kh, kw, in: inChannels, out: outChannels, values: Float64Array.from(kernel.values) };
  const total = squaredNorm(k.values);
  let inFactor = leadingModeVectors(unfold(k, 'in'), ranks.in);
  let outFactor = leadingModeVectors(unfold(k, 'out'), ranks.out);
  const identity = (size: number): Matrix => ({ rows: size, columns: size, values: Float64Array.from({ length: size * size }, (_, index) => (index % (size + 1) === 0 ? 1 : 0)) });
  const errorOf = (core: Float64Array) => (total === 0 ? 0 : Math.sqrt(Math.max(0, total - squaredNorm(core)) / total));
  let core = multiplyModes(k, inFactor, outFactor).values;
  let error = errorOf(core);
  let iterations = 0;
  if ((options.method ?? 'hooi') === 'hooi') {
    const maxIterations = options.maxIterations ?? 100;
    const tolerance = options.tolerance ?? 1e-5;
    for (; iterations < maxIterations; ) {
      iterations += 1;
      inFactor = leadingModeVectors(unfold(multiplyModes(k, identity(inChannels), outFactor), 'in'), ranks.in);
      outFactor = leadingModeVectors(unfold(multiplyModes(k, inFactor, identity(outChannels)), 'out'), ranks.out);
      core = multiplyModes(k, inFactor, outFactor).values;
      const next = errorOf(core);
      const change = Math.abs(error - next);
      error = next;
      if (change < tolerance) break;
    }
  }
  return { inFactor, outFactor, core, relativeError: error, iterations };
}

/**
 * Tucker-2 decomposition of a conv kernel `[kh, kw, in, out]` (KegNet §4; the reference's
 * `utils/tucker.py`): the layer becomes a 1×1 conv `in → rIn` (`first`), a k×k conv `rIn → rOut` with
 * the original stride and padding (`core`), and a 1×1 conv `rOut → out` (`last`, which takes the
 * original bias). At full rank the three reconstruct the kernel exactly (up to float32 rounding).
 *
 * @throws InvalidArgumentError when a rank is below 1 or above the layer's channel count.
 */
export function tucker2(kernel: tf.Tensor4D, ranks: Tucker2Ranks, options: Tucker2Options = {}): Tucker2Factors {
  const result = tucker2Decompose({ shape: kernel.shape, values: kernel.dataSync() }, ranks, options);
  const [kh, kw, inChannels, outChannels] = kernel.shape;
  return tf.tidy(() => ({
    first: tf.reshape(matrixToTensor(result.inFactor), [1, 1, inChannels, ranks.in]) as tf.Tensor4D,
    core: tf.tensor4d(Float32Array.from(result.core), [kh, kw, ranks.in, ranks.out]),
    last: tf.reshape(matrixToTensor(transposeMatrix(result.outFactor)), [1, 1, ranks.out, outChannels]) as tf.Tensor4D,
  }));
}

/** Reassembles a kernel `[kh, kw, in, out]` from {@link tucker2}'s factors (for checks and tests). */
export function reconstructTucker2(factors: Tucker2Factors): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, rIn, rOut] = factors.core.shape;
    const inChannels = factors.first.shape[2];
    const outChannels = factors.last.shape[3];
    const first = tf.reshape(factors.first, [inChannels, rIn]);
    const last = tf.reshape(factors.last, [rOut, outChannels]);
    // [kh·kw, rIn, rOut] → apply U_in on the left of each spatial slice, U_outᵀ on the right.
    const core = tf.reshape(factors.core, [kh * kw, rIn, rOut]);
    const left = tf.matMul(tf.tile(tf.expandDims(first, 0), [kh * kw, 1, 1]), core);
    const full = tf.matMul(left, tf.tile(tf.expandDims(last, 0), [kh * kw, 1, 1]));
    return tf.reshape(full, [kh, kw, inChannels, outChannels]) as tf.Tensor4D;
  });
}

/** Factors of {@link truncatedSvd}, float32 tensors the caller disposes. */
export interface TruncatedSvdFactors {
  /** `[in, rank]`: `U_r · diag(s_r)` of the kernel `[in, out]`, the first dense layer (no bias). */
  first: tf.Tensor2D;
  /** `[rank, out]`: `V_rᵀ`, the second dense layer (takes the original bias). */
  last: tf.Tensor2D;
  /** All singular values of the kernel, descending. */
  singularValues: Float64Array;
}

/**
 * Truncated SVD of a dense kernel `[in, out]`: `W ≈ (U_r diag(s_r)) · V_rᵀ`, so the layer becomes
 * `dense in → rank` (no bias) then `dense rank → out` with the original bias; the best rank-r
 * approximation in Frobenius norm (Eckart–Young). Full rank (`min(in, out)`) reconstructs `W`.
 *
 * @throws InvalidArgumentError when the rank is below 1 or above `min(in, out)`.
 */
export function truncatedSvd(kernel: tf.Tensor2D, rank: number): TruncatedSvdFactors {
  const [inUnits, outUnits] = kernel.shape;
  const limit = Math.min(inUnits, outUnits);
  if (!Number.isInteger(rank) || rank < 1 || rank > limit) {
    throw new InvalidArgumentError('rank', `truncatedSvd: rank must be an integer between 1 and min(in, out) = ${limit} for a [${inUnits}, ${outUnits}] kernel; got ${rank}.`);
  }
  const result = svd({ rows: inUnits, columns: outUnits, values: Float64Array.from(kernel.dataSync()) });
  const u = leadingColumns(result.u, rank);
  const scaled = Float64Array.from(u.values, (value, index) => value * result.s[index % rank]);
  const v = leadingColumns(result.v, rank);
  return {
    first: matrixToTensor({ rows: inUnits, columns: rank, values: scaled }),
    last: matrixToTensor(transposeMatrix(v)),
    singularValues: result.s,
  };
}
