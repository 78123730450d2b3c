import type { RandomSource } from '@core/datasets';
import { InvalidArgumentError } from '@core/runtime';

/** How {@link sampleTriplets} picks negatives for each (anchor, positive) pair. */
export type TripletSampling = 'semi-hard' | 'distance-weighted' | 'all';

/** Triplets as parallel index arrays into the batch. */
export interface TripletIndices {
  anchors: Int32Array;
  positives: Int32Array;
  negatives: Int32Array;
}

/** Options of {@link sampleTriplets}. */
export interface SampleTripletsOptions {
  sampling: TripletSampling;
  /** Embedding width `D`, used by distance-weighted sampling. */
  dimension: number;
  /** Needed by distance-weighted sampling. */
  rng?: RandomSource;
}

/** Distances below this are raised to it before weighting (the reference's `cut_off`). */
const distanceWeightedCutOff = 0.5;
/** Negatives at or beyond this distance get weight 0 (the reference's `nonzero_loss_cutoff`). */
const distanceWeightedNonzeroLossCutOff = 1.4;

/**
 * Chooses triplets (anchor, positive, negative) from a batch, as the pair samplers of the RKD reference
 * (`metric/pairsampler.py`). Every ordered pair of distinct examples with the same label is one
 * (anchor, positive), in row-major order; the negative (different label) is chosen per pair:
 *
 * - `semi-hard` (`SemiHardNegative`): the closest negative farther from the anchor than the positive;
 *   when none is, the farthest negative.
 * - `distance-weighted` (`DistanceWeighted`, Wu et al. 2017, Sec. 4): drawn with probability
 *   ∝ `d^(2−D)·(1 − d²/4)^(−(D−3)/2)` (computed in log space, distances clamped at ≥ 0.5), zero for
 *   `d ≥ 1.4`, uniform over negatives when every weight is zero. Assumes L2-normalised embeddings.
 * - `all` (`AllPairs`): every negative of the anchor, one triplet each.
 *
 * Anchors without any negative in the batch contribute no triplet. Ties go to the lowest index.
 *
 * @param distances - Row-major `[batch, batch]` Euclidean (not squared) distances.
 * @param labels - `batch` class labels.
 * @param options - Sampling mode, embedding width and random source.
 * @returns Index arrays of equal length (possibly 0).
 * @throws InvalidArgumentError when the sizes disagree or distance-weighted sampling lacks an `rng`.
 */
export function sampleTriplets(
  distances: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: SampleTripletsOptions,
): TripletIndices {
  const batch = labels.length;
  if (distances.length !== batch * batch) {
    throw new InvalidArgumentError('distances', `sampleTriplets: expected ${batch}×${batch} distances for ${batch} labels, got ${distances.length} values.`);
  }
  if (options.sampling === 'distance-weighted' && options.rng === undefined) {
    throw new InvalidArgumentError('rng', 'sampleTriplets: distance-weighted sampling draws negatives at random; pass an rng ({ next(): number }) or a seed.');
  }
  const anchors: number[] = [];
  const positives: number[] = [];
  const negatives: number[] = [];
  const negativeWeights = options.sampling === 'distance-weighted' ? new Float64Array(batch) : undefined;

  for (let anchor = 0; anchor < batch; anchor += 1) {
    const anchorNegatives: number[] = [];
    for (let other = 0; other < batch; other += 1) {
      if (labels[other] !== labels[anchor]) anchorNegatives.push(other);
    }
    if (anchorNegatives.length === 0) continue;
    if (negativeWeights !== undefined) fillDistanceWeights(negativeWeights, distances, anchor, anchorNegatives, batch, options.dimension);

    for (let positive = 0; positive < batch; positive += 1) {
      if (positive === anchor || labels[positive] !== labels[anchor]) continue;
      if (options.sampling === 'all') {
        for (const negative of anchorNegatives) {
          anchors.push(anchor);
          positives.push(positive);
          negatives.push(negative);
        }
        continue;
      }
      const negative =
        negativeWeights !== undefined
          ? drawWeighted(negativeWeights, anchorNegatives, options.rng as RandomSource)
          : semiHardNegative(distances, anchor, distances[anchor * batch + positive], anchorNegatives, batch);
      anchors.push(anchor);
      positives.push(positive);
      negatives.push(negative);
    }
  }
  return { anchors: Int32Array.from(anchors), positives: Int32Array.from(positives), negatives: Int32Array.from(negatives) };
}

function semiHardNegative(distances: ArrayLike<number>, anchor: number, positiveDistance: number, candidates: number[], batch: number): number {
  let closestFarther = -1;
  let farthest = candidates[0];
  for (const candidate of candidates) {
    const distance = distances[anchor * batch + candidate];
    if (distance > positiveDistance && (closestFarther < 0 || distance < distances[anchor * batch + closestFarther])) closestFarther = candidate;
    if (distance > distances[anchor * batch + farthest]) farthest = candidate;
  }
  return closestFarther >= 0 ? closestFarther : farthest;
}

/** Writes the sampling weight of each candidate into `weights[candidate]` (other entries unspecified). */
function fillDistanceWeights(
  weights: Float64Array,
  distances: ArrayLike<number>,
  anchor: number,
  candidates: number[],
  batch: number,
  dimension: number,
): void {
  let maximum = -Infinity;
  for (const candidate of candidates) {
    const distance = Math.max(distances[anchor * batch + candidate], distanceWeightedCutOff);
    const logWeight =
      distance < distanceWeightedNonzeroLossCutOff
        ? (2 - dimension) * Math.log(distance) - ((dimension - 3) / 2) * Math.log(1 - 0.25 * distance * distance)
        : -Infinity;
    weights[candidate] = logWeight;
    if (logWeight > maximum) maximum = logWeight;
  }
  for (const candidate of candidates) {
    weights[candidate] = maximum === -Infinity ? 1 : Math.exp(weights[candidate] - maximum);
  }
}

function drawWeighted(weights: Float64Array, candidates: number[], rng: RandomSource): number {
  let total = 0;
  for (const candidate of candidates) total += weights[candidate];
  let remaining = rng.next() * total;
  for (const candidate of candidates) {
    remaining -= weights[candidate];
    if (remaining < 0) return candidate;
  }
  // Rounding can leave a tiny remainder; fall back to the last candidate with weight.
  for (let index = candidates.length - 1; index >= 0; index -= 1) {
    if (weights[candidates[index]] > 0) return candidates[index];
  }
  return candidates[candidates.length - 1];
}
