import { escapeSvgText } from './line-chart';

/** Options of {@link heatmapSvg}. */
export interface HeatmapOptions {
  title: string;
  /** `values[row][column]`, e.g. a probability per layer (row) and epoch (column). */
  values: ReadonlyArray<ReadonlyArray<number>>;
  rowLabels?: readonly string[];
  columnLabels?: readonly string[];
  /** Text written in each cell (e.g. the chosen width); default none. */
  cellText?: ReadonlyArray<ReadonlyArray<string>>;
  /** Colour scale range; default the values' min and max. */
  range?: readonly [number, number];
  /** Pixels per cell (default 18). */
  cell?: number;
  caption?: string;
}

/** White → dark blue. */
function shade(fraction: number): string {
  const t = Math.max(0, Math.min(1, fraction));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * t);
  return `rgb(${mix(255, 8)},${mix(255, 48)},${mix(255, 107)})`;
}

/**
 * A self-contained SVG heatmap: one cell per value, shaded white (low) to dark blue (high), with
 * row and column labels. For how an architecture search converged (probability of the chosen width
 * per layer and epoch) or routing coefficients (input capsule × class).
 */
export function heatmapSvg(options: HeatmapOptions): string {
  const cell = options.cell ?? 18;
  const rows = options.values.length;
  const columns = Math.max(0, ...options.values.map((row) => row.length));
  const all = options.values.flat().filter(Number.isFinite);
  const [low, high] = options.range ?? [Math.min(...all, 0), Math.max(...all, 1)];
  const left = options.rowLabels ? 8 + 7 * Math.max(...options.rowLabels.map((label) => label.length)) : 8;
  const top = 28 + (options.columnLabels ? 14 : 0);
  const width = left + columns * cell + 12;
  const height = top + rows * cell + (options.caption ? 24 : 8);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="16" font-size="13">${escapeSvgText(options.title)}</text>`,
  ];
  options.columnLabels?.forEach((label, column) => {
    if (columns > 24 && column % Math.ceil(columns / 12) !== 0 && column !== columns - 1) return;
    parts.push(`<text x="${left + column * cell + cell / 2}" y="${top - 4}" text-anchor="middle" font-size="9">${escapeSvgText(label)}</text>`);
  });
  options.values.forEach((row, rowIndex) => {
    if (options.rowLabels) parts.push(`<text x="${left - 4}" y="${top + rowIndex * cell + cell * 0.7}" text-anchor="end" font-size="10">${escapeSvgText(options.rowLabels[rowIndex] ?? '')}</text>`);
    row.forEach((value, column) => {
      const fraction = high > low ? (value - low) / (high - low) : 0;
      parts.push(`<rect x="${left + column * cell}" y="${top + rowIndex * cell}" width="${cell}" height="${cell}" fill="${Number.isFinite(value) ? shade(fraction) : '#f0f0f0'}"><title>${escapeSvgText(String(value))}</title></rect>`);
      const text = options.cellText?.[rowIndex]?.[column];
      if (text) parts.push(`<text x="${left + column * cell + cell / 2}" y="${top + rowIndex * cell + cell * 0.68}" text-anchor="middle" font-size="${Math.max(7, cell * 0.45)}" fill="${fraction > 0.55 ? 'white' : 'black'}">${escapeSvgText(text)}</text>`);
    });
  });
  if (options.caption) parts.push(`<text x="8" y="${height - 8}" font-size="10">${escapeSvgText(options.caption)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
