import type { DivergenceOptions, Metrics } from '../contracts';

/** Default bound of the divergence guard on the magnitude of the watched metric (the loss). */
export const DEFAULT_DIVERGENCE_THRESHOLD = 1e6;

/** A broken bound: which rule, the metric, its value and the limit it passed. */
export interface DivergenceViolation {
  rule: 'threshold' | 'factor';
  metric: string;
  value: number;
  limit: number;
  /** For the factor rule: the best earlier epoch mean and its epoch (1-based). */
  best?: { value: number; epoch: number };
}

/** Checks batch metrics and epoch means against the bounds of a {@link DivergenceOptions}. */
export interface DivergenceGuard {
  /** The metric watched, or `undefined` when the guard is off. */
  readonly monitor: string | undefined;
  /** A batch's metrics: its watched value against the threshold. */
  checkBatch(metrics: Metrics): DivergenceViolation | undefined;
  /** An epoch's means against the threshold and against `factor` times the best earlier epoch mean in `history`. */
  checkEpoch(metrics: Metrics, history: ReadonlyArray<{ epoch: number } & Metrics>): DivergenceViolation | undefined;
}

/**
 * Creates the divergence guard of a training loop: `false` turns it off; otherwise the metric
 * `monitor` (default `loss`) may not exceed `threshold` in magnitude (default
 * {@link DEFAULT_DIVERGENCE_THRESHOLD}; `null`: no bound) on any batch, nor, with `factor`, grow
 * above `factor` times the lowest positive mean of the earlier epochs. The best mean is read from
 * the loop's history, so a resumed loop checks exactly as an uninterrupted one.
 */
export function createDivergenceGuard(options: DivergenceOptions | false | undefined): DivergenceGuard {
  if (options === false) {
    return { monitor: undefined, checkBatch: () => undefined, checkEpoch: () => undefined };
  }
  const monitor = options?.monitor ?? 'loss';
  const threshold = options?.threshold === undefined ? DEFAULT_DIVERGENCE_THRESHOLD : options.threshold;
  const factor = options?.factor ?? null;
  const aboveThreshold = (metrics: Metrics): DivergenceViolation | undefined => {
    const value = metrics[monitor];
    if (threshold === null || value === undefined || !(Math.abs(value) > threshold)) return undefined;
    return { rule: 'threshold', metric: monitor, value, limit: threshold };
  };
  return {
    monitor,
    checkBatch: aboveThreshold,
    checkEpoch(metrics, history) {
      const violation = aboveThreshold(metrics);
      if (violation || factor === null) return violation;
      const value = metrics[monitor];
      if (value === undefined) return undefined;
      let best: { value: number; epoch: number } | undefined;
      for (const record of history) {
        const earlier = record[monitor];
        if (earlier !== undefined && earlier > 0 && (best === undefined || earlier < best.value)) best = { value: earlier, epoch: record.epoch };
      }
      if (best === undefined || !(value > factor * best.value)) return undefined;
      return { rule: 'factor', metric: monitor, value, limit: factor * best.value, best };
    },
  };
}
