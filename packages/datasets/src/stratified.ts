/**
 * How many of `total` items each class gets when a sample keeps the class proportions:
 * `total * available[c] / sum(available)` rounded down, and the leftover items go one each to the
 * classes with the largest remainders (ties to the lower class index). The result sums to
 * `total` and never exceeds `available[c]`.
 */
export function proportionalQuotas(available: readonly number[], total: number): number[] {
  const sum = available.reduce((accumulator, value) => accumulator + value, 0);
  if (total >= sum) return [...available];
  if (total <= 0 || sum === 0) return available.map(() => 0);
  // Integer arithmetic keeps the allocation exact (and identical on every platform).
  const quotas = available.map((value) => Math.floor((total * value) / sum));
  const remainders = available.map((value, label) => ({ label, remainder: (total * value) % sum }));
  let leftover = total - quotas.reduce((accumulator, value) => accumulator + value, 0);
  remainders.sort((left, right) => right.remainder - left.remainder || left.label - right.label);
  for (const { label } of remainders) {
    if (leftover === 0) break;
    quotas[label] += 1;
    leftover -= 1;
  }
  return quotas;
}

/**
 * Interleaves per-class index lists round-robin (first of class 0, first of class 1, …, second of
 * class 0, …), skipping classes that have run out. Stored this way, any prefix of a data set is
 * close to stratified and unshuffled batches mix classes.
 */
export function interleaveClasses(groups: readonly (readonly number[])[]): Int32Array {
  const total = groups.reduce((accumulator, group) => accumulator + group.length, 0);
  const order = new Int32Array(total);
  const longest = groups.reduce((accumulator, group) => Math.max(accumulator, group.length), 0);
  let position = 0;
  for (let round = 0; round < longest; round += 1) {
    for (const group of groups) {
      if (round < group.length) {
        order[position] = group[round];
        position += 1;
      }
    }
  }
  return order;
}
