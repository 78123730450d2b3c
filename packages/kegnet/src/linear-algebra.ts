import * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';

/**
 * A dense row-major matrix of float64 values, the working type of the decompositions (tfjs has no
 * SVD or eigen-decomposition, and float32 loses too much in the rotations).
 */
export interface Matrix {
  readonly rows: number;
  readonly columns: number;
  /** `rows · columns` values, row-major. */
  readonly values: Float64Array;
}

/** A {@link Matrix} from a rank-2 tensor (one device read). */
export function matrixFromTensor(tensor: tf.Tensor2D): Matrix {
  const [rows, columns] = tensor.shape;
  return { rows, columns, values: Float64Array.from(tensor.dataSync()) };
}

/** A float32 rank-2 tensor from a {@link Matrix}. */
export function matrixToTensor(matrix: Matrix): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(matrix.values), [matrix.rows, matrix.columns]);
}

/** `a · b` for row-major matrices. */
export function multiplyMatrices(a: Matrix, b: Matrix): Matrix {
  if (a.columns !== b.rows) throw new InvalidArgumentError('matrix', `cannot multiply a ${a.rows}×${a.columns} matrix by a ${b.rows}×${b.columns} one.`);
  const values = new Float64Array(a.rows * b.columns);
  for (let row = 0; row < a.rows; row += 1) {
    for (let inner = 0; inner < a.columns; inner += 1) {
      const factor = a.values[row * a.columns + inner];
      if (factor === 0) continue;
      const bOffset = inner * b.columns;
      const outOffset = row * b.columns;
      for (let column = 0; column < b.columns; column += 1) values[outOffset + column] += factor * b.values[bOffset + column];
    }
  }
  return { rows: a.rows, columns: b.columns, values };
}

/** The transpose of a row-major matrix. */
export function transposeMatrix(matrix: Matrix): Matrix {
  const values = new Float64Array(matrix.values.length);
  for (let row = 0; row < matrix.rows; row += 1) {
    for (let column = 0; column < matrix.columns; column += 1) values[column * matrix.rows + row] = matrix.values[row * matrix.columns + column];
  }
  return { rows: matrix.columns, columns: matrix.rows, values };
}

/** Result of {@link symmetricEigen}: `A = V · diag(values) · Vᵀ`. */
export interface EigenDecomposition {
  /** Eigenvalues in descending order. */
  values: Float64Array;
  /** `n × n` orthogonal matrix whose column `j` is the eigenvector of `values[j]`. */
  vectors: Matrix;
  /** Jacobi sweeps used. */
  sweeps: number;
}

/**
 * Eigen-decomposition of a symmetric matrix by the cyclic Jacobi method (Golub and Van Loan,
 * Matrix Computations, §8.5): plane rotations zero each off-diagonal pair in turn until the
 * off-diagonal mass is below `tolerance` times the matrix's Frobenius norm. Accurate to working
 * precision for the small matrices of layer decompositions (n ≤ a few hundred).
 *
 * @throws InvalidArgumentError when the matrix is not square or not symmetric.
 */
export function symmetricEigen(matrix: Matrix, options: { tolerance?: number; maxSweeps?: number } = {}): EigenDecomposition {
  const n = matrix.rows;
  if (matrix.columns !== n) throw new InvalidArgumentError('matrix', `symmetricEigen needs a square matrix; got ${matrix.rows}×${matrix.columns}.`);
  const a = Float64Array.from(matrix.values);
  let norm = 0;
  for (const value of a) norm += value * value;
  norm = Math.sqrt(norm);
  for (let row = 0; row < n; row += 1) {
    for (let column = row + 1; column < n; column += 1) {
      if (Math.abs(a[row * n + column] - a[column * n + row]) > 1e-9 * Math.max(1, norm)) {
        throw new InvalidArgumentError('matrix', `symmetricEigen needs a symmetric matrix; entries (${row}, ${column}) and (${column}, ${row}) differ.`);
      }
    }
  }
  const v = new Float64Array(n * n);
  for (let index = 0; index < n; index += 1) v[index * n + index] = 1;
  const tolerance = options.tolerance ?? 1e-15;
  const maxSweeps = options.maxSweeps ?? 100;
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps += 1) {
    let off = 0;
    for (let row = 0; row < n; row += 1) for (let column = row + 1; column < n; column += 1) off += a[row * n + column] ** 2;
    if (Math.sqrt(off) <= tolerance * norm || norm === 0) break;
    for (let p = 0; p < n - 1; p += 1) {
      for (let q = p + 1; q < n; q += 1) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // The rotation angle that zeroes a[p][q] (the smaller of the two roots, for stability).
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k += 1) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k += 1) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k += 1) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, index) => index).sort((left, right) => a[right * n + right] - a[left * n + left]);
  const values = Float64Array.from(order, (index) => a[index * n + index]);
  const vectors = new Float64Array(n * n);
  order.forEach((source, target) => {
    for (let k = 0; k < n; k += 1) vectors[k * n + target] = v[k * n + source];
  });
  return { values, vectors: { rows: n, columns: n, values: vectors }, sweeps };
}

/** Result of {@link svd}: `A = U · diag(s) · Vᵀ` (thin: `k = min(rows, columns)` components). */
export interface SingularValueDecomposition {
  /** `rows × k`, orthonormal columns. */
  u: Matrix;
  /** `k` singular values, descending, non-negative. */
  s: Float64Array;
  /** `columns × k`, orthonormal columns. */
  v: Matrix;
}

/**
 * Thin singular value decomposition by one-sided Jacobi rotations (Hestenes 1958; Demmel and
 * Veselić 1992): columns of `A` (or of `Aᵀ` when it is wider than tall) are rotated pairwise until
 * orthogonal; their norms are the singular values. More accurate than the eigen-decomposition of
 * `AᵀA` for small singular values. Left vectors of zero singular values are completed to an
 * orthonormal set.
 */
export function svd(matrix: Matrix, options: { tolerance?: number; maxSweeps?: number } = {}): SingularValueDecomposition {
  if (matrix.rows < matrix.columns) {
    const transposed = svd(transposeMatrix(matrix), options);
    return { u: transposed.v, s: transposed.s, v: transposed.u };
  }
  const m = matrix.rows;
  const n = matrix.columns;
  // Column-major working copies: column j of A is columns[j].
  const columns = Array.from({ length: n }, (_, column) => Float64Array.from({ length: m }, (_, row) => matrix.values[row * n + column]));
  const right = Array.from({ length: n }, (_, column) => Float64Array.from({ length: n }, (_, row) => (row === column ? 1 : 0)));
  const tolerance = options.tolerance ?? 1e-15;
  const maxSweeps = options.maxSweeps ?? 100;
  for (let sweep = 0; sweep < maxSweeps; sweep += 1) {
    let rotated = false;
    for (let p = 0; p < n - 1; p += 1) {
      for (let q = p + 1; q < n; q += 1) {
        const cp = columns[p];
        const cq = columns[q];
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let k = 0; k < m; k += 1) {
          alpha += cp[k] * cp[k];
          beta += cq[k] * cq[k];
          gamma += cp[k] * cq[k];
        }
        if (gamma === 0 || Math.abs(gamma) <= tolerance * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < m; k += 1) {
          const x = cp[k];
          const y = cq[k];
          cp[k] = c * x - s * y;
          cq[k] = s * x + c * y;
        }
        const vp = right[p];
        const vq = right[q];
        for (let k = 0; k < n; k += 1) {
          const x = vp[k];
          const y = vq[k];
          vp[k] = c * x - s * y;
          vq[k] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = columns.map((column) => Math.sqrt(column.reduce((sum, value) => sum + value * value, 0)));
  const order = norms.map((_, index) => index).sort((left, rightIndex) => norms[rightIndex] - norms[left]);
  const largest = norms[order[0]] ?? 0;
  const s = Float64Array.from(order, (index) => norms[index]);
  const uColumns: Float64Array[] = [];
  for (const [position, index] of order.entries()) {
    if (s[position] > largest * 1e-13 && s[position] > 0) {
      uColumns.push(columns[index].map((value) => value / s[position]));
    } else {
      s[position] = Math.max(0, s[position]);
      uColumns.push(completeBasisVector(uColumns, m));
    }
  }
  const u = new Float64Array(m * n);
  const v = new Float64Array(n * n);
  order.forEach((source, target) => {
    for (let k = 0; k < m; k += 1) u[k * n + target] = uColumns[target][k];
    for (let k = 0; k < n; k += 1) v[k * n + target] = right[source][k];
  });
  return { u: { rows: m, columns: n, values: u }, s, v: { rows: n, columns: n, values: v } };
}

/** A unit vector orthogonal to `basis` (Gram–Schmidt on the standard basis vectors). */
function completeBasisVector(basis: readonly Float64Array[], length: number): Float64Array {
  for (let axis = 0; axis < length; axis += 1) {
    const candidate = new Float64Array(length);
    candidate[axis] = 1;
    for (let pass = 0; pass < 2; pass += 1) {
      for (const vector of basis) {
        let dot = 0;
        for (let k = 0; k < length; k += 1) dot += vector[k] * candidate[k];
        for (let k = 0; k < length; k += 1) candidate[k] -= dot * vector[k];
      }
    }
    const norm = Math.sqrt(candidate.reduce((sum, value) => sum + value * value, 0));
    if (norm > 1e-6) return candidate.map((value) => value / norm);
  }
  throw new InvalidArgumentError('matrix', 'cannot complete an orthonormal basis: more vectors than dimensions.');
}

/** Leading `count` columns of a matrix. */
export function leadingColumns(matrix: Matrix, count: number): Matrix {
  const values = new Float64Array(matrix.rows * count);
  for (let row = 0; row < matrix.rows; row += 1) {
    for (let column = 0; column < count; column += 1) values[row * count + column] = matrix.values[row * matrix.columns + column];
  }
  return { rows: matrix.rows, columns: count, values };
}

/**
 * Tensor form of {@link svd}: `matrix [m, n]` → `u [m, k]`, `s [k]`, `v [n, k]` with `k = min(m, n)`
 * (float32 tensors the caller disposes). Computed in float64 on the CPU from one device read.
 */
export function svdTensor(matrix: tf.Tensor2D): { u: tf.Tensor2D; s: tf.Tensor1D; v: tf.Tensor2D } {
  const result = svd(matrixFromTensor(matrix));
  return { u: matrixToTensor(result.u), s: tf.tensor1d(Float32Array.from(result.s)), v: matrixToTensor(result.v) };
}
