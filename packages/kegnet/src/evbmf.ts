import type * as tf from '@tensorflow/tfjs';
import { InvalidArgumentError } from '@core/runtime';
import { svd, transposeMatrix, type Matrix } from './linear-algebra';

/** Result of {@link evbmf}. */
export interface EvbmfResult {
  /** Number of retained components: singular values above the EVB threshold (0 is possible). */
  rank: number;
  /** The estimated noise variance σ². */
  sigma2: number;
  /** The threshold on singular values, `√(M σ² (1 + τ̄)(1 + α/τ̄))`. */
  threshold: number;
  /** Singular values of the matrix, descending. */
  singularValues: Float64Array;
  /** Posterior means of the retained components' singular values (formula 15 of Nakajima et al. 2013). */
  retained: Float64Array;
}

/** `τ(x; α)` of the EVB free energy. */
function tau(x: number, alpha: number): number {
  const shifted = x - (1 + alpha);
  return 0.5 * (shifted + Math.sqrt(shifted * shifted - 4 * alpha));
}

/** The EVB free energy as a function of σ² (the reference's `EVBsigma2`). */
function freeEnergy(sigma2: number, l: number, m: number, s: Float64Array, residual: number, xubar: number): number {
  const h = s.length;
  const alpha = l / m;
  let objective = 0;
  for (const value of s) {
    const x = (value * value) / (m * sigma2);
    if (x > xubar) {
      const t = tau(x, alpha);
      objective += x - t + Math.log((t + 1) / x) + alpha * Math.log(t / alpha + 1);
    } else {
      objective += x - Math.log(x);
    }
  }
  return objective + residual / (m * sigma2) + (l - h) * Math.log(sigma2);
}

/**
 * Bounded scalar minimisation by Brent's method (golden sections and parabolic steps), a port of
 * SciPy's `minimize_scalar(method='bounded')` with its defaults (`xatol = 1e-5`, 500 evaluations),
 * which the reference's EVBMF calls.
 */
export function minimizeBounded(objective: (x: number) => number, lower: number, upper: number, options: { xatol?: number; maxEvaluations?: number } = {}): number {
  const xatol = options.xatol ?? 1e-5;
  const maxEvaluations = options.maxEvaluations ?? 500;
  const sqrtEps = Math.sqrt(2.2e-16);
  const goldenMean = 0.5 * (3 - Math.sqrt(5));
  let a = lower;
  let b = upper;
  let fulc = a + goldenMean * (b - a);
  let nfc = fulc;
  let xf = fulc;
  let rat = 0;
  let e = 0;
  let x = xf;
  let fx = objective(x);
  let evaluations = 1;
  let ffulc = fx;
  let fnfc = fx;
  let xm = 0.5 * (a + b);
  let tol1 = sqrtEps * Math.abs(xf) + xatol / 3;
  let tol2 = 2 * tol1;
  const sign = (value: number) => (value > 0 ? 1 : value < 0 ? -1 : 0);
  while (Math.abs(xf - xm) > tol2 - 0.5 * (b - a)) {
    let golden = true;
    if (Math.abs(e) > tol1) {
      golden = false;
      let r = (xf - nfc) * (fx - ffulc);
      let q = (xf - fulc) * (fx - fnfc);
      let p = (xf - fulc) * q - (xf - nfc) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      r = e;
      e = rat;
      if (Math.abs(p) < Math.abs(0.5 * q * r) && p > q * (a - xf) && p < q * (b - xf)) {
        rat = p / q;
        x = xf + rat;
        if (x - a < tol2 || b - x < tol2) rat = tol1 * (sign(xm - xf) + (xm - xf === 0 ? 1 : 0));
      } else {
        golden = true;
      }
    }
    if (golden) {
      e = xf >= xm ? a - xf : b - xf;
      rat = goldenMean * e;
    }
    x = xf + (sign(rat) + (rat === 0 ? 1 : 0)) * Math.max(Math.abs(rat), tol1);
    const fu = objective(x);
    evaluations += 1;
    if (fu <= fx) {
      if (x >= xf) a = xf;
      else b = xf;
      fulc = nfc;
      ffulc = fnfc;
      nfc = xf;
      fnfc = fx;
      xf = x;
      fx = fu;
    } else {
      if (x < xf) a = x;
      else b = x;
      if (fu <= fnfc || nfc === xf) {
        fulc = nfc;
        ffulc = fnfc;
        nfc = x;
        fnfc = fu;
      } else if (fu <= ffulc || fulc === xf || fulc === nfc) {
        fulc = x;
        ffulc = fu;
      }
    }
    xm = 0.5 * (a + b);
    tol1 = sqrtEps * Math.abs(xf) + xatol / 3;
    tol2 = 2 * tol1;
    if (evaluations >= maxEvaluations) break;
  }
  return xf;
}

/**
 * Empirical variational Bayes matrix factorisation (Nakajima, Sugiyama, Babacan and Tomioka, JMLR
 * 2013), the analytic global solution with the noise variance estimated, as the KegNet reference's
 * `utils/vbmf.py` (`EVBMF(Y)` with `sigma2 = None`, `H = L`): σ² minimises the EVB free energy between
 * the reference's lower and upper bounds; components whose singular value exceeds
 * `√(M σ² (1 + τ̄)(1 + α/τ̄))`, `α = L/M`, `τ̄ = 2.5129 √α`, are kept. A matrix with more rows than
 * columns is transposed first (the method needs `L ≤ M`; the singular values are the same).
 */
export function evbmf(matrix: Matrix): EvbmfResult {
  const y = matrix.rows <= matrix.columns ? matrix : transposeMatrix(matrix);
  const l = y.rows;
  const m = y.columns;
  if (l < 2) throw new InvalidArgumentError('matrix', `evbmf needs at least a 2×2 matrix; got ${matrix.rows}×${matrix.columns}.`);
  const s = svd(y).s;
  const h = l;
  const alpha = l / m;
  const tauubar = 2.5129 * Math.sqrt(alpha);
  // H = L: the full SVD leaves no residual.
  const residual = 0;
  const xubar = (1 + tauubar) * (1 + alpha / tauubar);
  const ehUb = Math.min(Math.ceil(l / (1 + alpha)) - 1, h) - 1;
  let sumSquares = 0;
  for (const value of s) sumSquares += value * value;
  const upper = (sumSquares + residual) / (l * m);
  const tail = s.subarray(ehUb + 1);
  const tailMean = tail.reduce((sum, value) => sum + value * value, 0) / tail.length;
  const lower = Math.max((s[ehUb + 1] * s[ehUb + 1]) / (m * xubar), tailMean / m);
  const sigma2 = minimizeBounded((value) => freeEnergy(value, l, m, s, residual, xubar), lower, upper);
  const threshold = Math.sqrt(m * sigma2 * (1 + tauubar) * (1 + alpha / tauubar));
  let rank = 0;
  for (const value of s) if (value > threshold) rank += 1;
  const retained = Float64Array.from(s.subarray(0, rank), (value) => {
    const ratio = 1 - ((l + m) * sigma2) / (value * value);
    return (value / 2) * (ratio + Math.sqrt(ratio * ratio - (4 * l * m * sigma2 * sigma2) / value ** 4));
  });
  return { rank, sigma2, threshold, singularValues: s, retained };
}

/**
 * The rank EVBMF estimates for a matrix (see {@link evbmf}): the raw count, 0 included. KegNet
 * applies it to the mode unfoldings of a conv kernel to choose Tucker-2 ranks; the compression step
 * (not this function) keeps at least rank 1.
 */
export function evbmfRank(matrix: tf.Tensor2D): number {
  const [rows, columns] = matrix.shape;
  return evbmf({ rows, columns, values: Float64Array.from(matrix.dataSync()) }).rank;
}
