type Version = [number, number, number];

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compare(left: Version, right: Version): number {
  for (let index = 0; index < 3; index += 1) {
    if (left[index] !== right[index]) return left[index] - right[index];
  }
  return 0;
}

function satisfiesOne(version: Version, range: string): boolean {
  const trimmed = range.trim();
  if (trimmed === '' || trimmed === '*' || trimmed === 'x') return true;
  if (trimmed.startsWith('^')) {
    const base = parseVersion(trimmed.slice(1));
    if (!base) return false;
    let upper: Version;
    if (base[0] > 0) upper = [base[0] + 1, 0, 0];
    else if (base[1] > 0) upper = [0, base[1] + 1, 0];
    else upper = [0, 0, base[2] + 1];
    return compare(version, base) >= 0 && compare(version, upper) < 0;
  }
  if (trimmed.startsWith('~')) {
    const base = parseVersion(trimmed.slice(1));
    if (!base) return false;
    return compare(version, base) >= 0 && compare(version, [base[0], base[1] + 1, 0]) < 0;
  }
  const comparator = /^(>=|<=|>|<|=)\s*(.*)$/.exec(trimmed);
  if (comparator) {
    const base = parseVersion(comparator[2]);
    if (!base) return false;
    const order = compare(version, base);
    switch (comparator[1]) {
      case '>=':
        return order >= 0;
      case '<=':
        return order <= 0;
      case '>':
        return order > 0;
      case '<':
        return order < 0;
      default:
        return order === 0;
    }
  }
  const exact = parseVersion(trimmed);
  return exact !== undefined && compare(version, exact) === 0;
}

/**
 * Whether `version` satisfies a semver `range`. Supports the forms plugins use: `^x.y.z`, `~x.y.z`,
 * the comparators `>=`, `>`, `<=`, `<` and `=` (as in `>=0.2.0 <1.0.0`, the range the toolkit's
 * plugins declare), exact versions, `*`, and `||` alternatives (space-separated parts must all hold).
 */
export function satisfiesRange(version: string, range: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((part) => satisfiesOne(parsed, part)),
  );
}
