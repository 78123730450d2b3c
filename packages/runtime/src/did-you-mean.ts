/** Levenshtein edit distance. */
export function editDistance(left: string, right: string): number {
  const previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    let diagonal = previous[0];
    previous[0] = row;
    for (let column = 1; column <= right.length; column += 1) {
      const held = previous[column];
      previous[column] = Math.min(
        previous[column] + 1,
        previous[column - 1] + 1,
        diagonal + (left[row - 1] === right[column - 1] ? 0 : 1),
      );
      diagonal = held;
    }
  }
  return previous[right.length];
}

/** The closest candidate to `input`, when it is close enough to be a likely typo. */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    // "mnsit" should find "core:mnist": without a namespace, compare with the name part too.
    const name = !input.includes(':') && lower.includes(':') ? lower.slice(lower.indexOf(':') + 1) : lower;
    const distance = Math.min(editDistance(input.toLowerCase(), lower), editDistance(input.toLowerCase(), name));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(input.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** `Did you mean "x"? ` or the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const match = closestMatch(input, candidates);
  return match === undefined ? '' : `Did you mean "${match}"? `;
}
