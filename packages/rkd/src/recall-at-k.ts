import { InvalidArgumentError } from '@core/runtime';

/**
 * Recall@K of nearest-neighbour retrieval (the evaluation of RKD, Park et al. 2019, Sec. 4.1, as
 * `recall` in the reference `metric/utils.py`): every example queries all the others by Euclidean
 * distance (itself excluded); Recall@K is the fraction of queries with at least one example of the same
 * label among their K nearest neighbours. Exact search in plain JavaScript, each pair computed once
 * (5,000 × 16-d takes well under a second). Ties go to the lower index. K larger than the number of
 * other examples uses all of them.
 *
 * @param embeddings - Row-major `[count, dimension]` embeddings.
 * @param labels - `count` class labels.
 * @param dimension - Embedding width.
 * @param ks - The K values, e.g. `[1, 2, 4, 8]`.
 * @returns Recall@K for each K, as fractions in [0, 1], in the order of `ks`.
 * @throws InvalidArgumentError for inconsistent sizes or K values that are not positive integers.
 */
export function recallAtK(embeddings: Float32Array, labels: Int32Array, dimension: number, ks: readonly number[]): number[] {
  const count = labels.length;
  if (!Number.isInteger(dimension) || dimension < 1 || embeddings.length !== count * dimension) {
    throw new InvalidArgumentError(
      'embeddings',
      `recallAtK: expected ${count} × ${dimension} = ${count * dimension} values for ${count} labels, got ${embeddings.length}.`,
    );
  }
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError('ks', `recallAtK: every K must be a positive integer, got ${k}.`);
  }
  if (count === 0 || ks.length === 0) return ks.map(() => 0);
  const neighbours = Math.min(Math.max(...ks), count - 1);
  // Per query, the `neighbours` nearest so far, sorted by distance.
  const nearestDistances = new Float64Array(count * neighbours).fill(Infinity);
  const nearestIndices = new Int32Array(count * neighbours).fill(-1);

  const insert = (query: number, candidate: number, distance: number): void => {
    const offset = query * neighbours;
    if (!(distance < nearestDistances[offset + neighbours - 1])) return;
    let position = neighbours - 1;
    while (position > 0 && distance < nearestDistances[offset + position - 1]) {
      nearestDistances[offset + position] = nearestDistances[offset + position - 1];
      nearestIndices[offset + position] = nearestIndices[offset + position - 1];
      position -= 1;
    }
    nearestDistances[offset + position] = distance;
    nearestIndices[offset + position] = candidate;
  };

  if (neighbours > 0) {
    // Candidates reach every query in increasing index order, so a strict comparison keeps ties on the lower index.
    for (let query = 0; query < count; query += 1) {
      const queryOffset = query * dimension;
      for (let candidate = query + 1; candidate < count; candidate += 1) {
        const candidateOffset = candidate * dimension;
        let squaredDistance = 0;
        for (let axis = 0; axis < dimension; axis += 1) {
          const difference = embeddings[queryOffset + axis] - embeddings[candidateOffset + axis];
          squaredDistance += difference * difference;
        }
        insert(query, candidate, squaredDistance);
        insert(candidate, query, squaredDistance);
      }
    }
  }

  return ks.map((k) => {
    const depth = Math.min(k, neighbours);
    let hits = 0;
    for (let query = 0; query < count; query += 1) {
      for (let rank = 0; rank < depth; rank += 1) {
        if (labels[nearestIndices[query * neighbours + rank]] === labels[query]) {
          hits += 1;
          break;
        }
      }
    }
    return hits / count;
  });
}
