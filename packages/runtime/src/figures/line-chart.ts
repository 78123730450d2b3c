/** One line of a {@link lineChartSvg}: a label and its `(x, y)` points. */
export interface ChartSeries {
  label: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  title: string;
  series: readonly ChartSeries[];
  xLabel?: string;
  yLabel?: string;
  /** Pixels (default 420 × 240). */
  width?: number;
  height?: number;
  /** Fixed y range; default: the data's. */
  yRange?: readonly [number, number];
}

/** Colours of the series, in order (matplotlib's defaults). */
export const chartPalette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Escapes text for an SVG text node or attribute. */
export function escapeSvgText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A self-contained SVG line chart (learning curves, a FLOPs ratio over epochs): axes with the
 * extreme values, one coloured line and legend entry per series. Returns `''` when no series has
 * a point. Non-finite points are skipped.
 */
export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 420;
  const height = options.height ?? 240;
  const margin = { left: 52, right: 12, top: 24, bottom: 34 };
  const series = options.series.map((entry) => ({ ...entry, points: entry.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }));
  const all = series.flatMap((entry) => entry.points);
  if (all.length === 0) return '';
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  let [yMin, yMax] = options.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * (width - margin.left - margin.right);
  const sy = (y: number) => height - margin.bottom - ((y - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);
  const lines = series.map((entry, index) => {
    const color = chartPalette[index % chartPalette.length];
    const d = entry.points.map(([x, y], point) => `${point === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const legendY = margin.top + 14 * index;
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/><text x="${width - margin.right - 4}" y="${legendY + 10}" text-anchor="end" font-size="11" fill="${color}">${escapeSvgText(entry.label)}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left}" y="16" font-size="13">${escapeSvgText(options.title)}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<text x="${margin.left - 4}" y="${sy(yMax) + 4}" text-anchor="end" font-size="10">${Number(yMax.toPrecision(3))}</text>`,
    `<text x="${margin.left - 4}" y="${sy(yMin)}" text-anchor="end" font-size="10">${Number(yMin.toPrecision(3))}</text>`,
    `<text x="${margin.left}" y="${height - margin.bottom + 12}" text-anchor="middle" font-size="10">${Number(xMin.toPrecision(4))}</text>`,
    `<text x="${width - margin.right}" y="${height - margin.bottom + 12}" text-anchor="end" font-size="10">${Number(xMax.toPrecision(4))}</text>`,
    `<text x="${(width + margin.left) / 2}" y="${height - 6}" text-anchor="middle" font-size="11">${escapeSvgText(options.xLabel ?? 'epoch')}</text>`,
    ...(options.yLabel ? [`<text x="12" y="${(height + margin.top - margin.bottom) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${(height + margin.top - margin.bottom) / 2})">${escapeSvgText(options.yLabel)}</text>`] : []),
    ...lines,
    '</svg>',
  ].join('\n');
}
