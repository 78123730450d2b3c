import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { atomicWriteFile } from '../io';
import type { RunSummary } from './runner';

interface EpochRecord {
  type: string;
  stage: string;
  epoch: number;
  [metric: string]: unknown;
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** An SVG line chart of one metric per stage over epochs. */
function chart(title: string, series: Array<{ label: string; points: Array<[number, number]> }>): string {
  const width = 420;
  const height = 240;
  const margin = { left: 48, right: 12, top: 24, bottom: 32 };
  const all = series.flatMap((entry) => entry.points);
  if (all.length === 0) return '';
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (yMax - yMin < 1e-9) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const sx = (x: number) => margin.left + ((x - xMin) / (xMax - xMin)) * (width - margin.left - margin.right);
  const sy = (y: number) => height - margin.bottom - ((y - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);
  const lines = series.map((entry, index) => {
    const color = palette[index % palette.length];
    const d = entry.points.map(([x, y], point) => `${point === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    const legendY = margin.top + 14 * index;
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/><text x="${width - margin.right - 4}" y="${legendY + 10}" text-anchor="end" font-size="11" fill="${color}">${entry.label}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${margin.left}" y="16" font-size="13">${title}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="#888"/>`,
    `<text x="${margin.left - 4}" y="${sy(yMax) + 4}" text-anchor="end" font-size="10">${yMax.toPrecision(3)}</text>`,
    `<text x="${margin.left - 4}" y="${sy(yMin)}" text-anchor="end" font-size="10">${yMin.toPrecision(3)}</text>`,
    `<text x="${(width + margin.left) / 2}" y="${height - 8}" text-anchor="middle" font-size="11">epoch</text>`,
    ...lines,
    '</svg>',
  ].join('\n');
}

/** Writes `report.md` (summary tables) and one SVG chart per metric from `metrics.jsonl`. */
export async function writeReport(runDirectory: string, summary: RunSummary): Promise<void> {
  const metricsFile = path.join(runDirectory, 'metrics.jsonl');
  const epochs: EpochRecord[] = [];
  if (existsSync(metricsFile)) {
    for (const line of (await readFile(metricsFile, 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      try {
        const record = JSON.parse(line) as EpochRecord;
        if (record.type === 'epoch') epochs.push(record);
      } catch {
        // A torn last line of an interrupted run: skip it.
      }
    }
  }
  const lines: string[] = [`# Run ${summary.name}`, '', `- directory: \`${summary.runDirectory}\``, `- backend: ${summary.backend?.name ?? '?'}${summary.backend ? ` (${summary.backend.threads} thread${summary.backend.threads === 1 ? '' : 's'})` : ''}`, `- seed: ${summary.seed}`, `- time: ${summary.seconds.toFixed(1)} s`, ''];
  lines.push('## Steps', '', '| step | use | status | seconds | metrics |', '|---|---|---|---:|---|');
  for (const [id, step] of Object.entries(summary.steps)) {
    const metrics = Object.entries(step.metrics ?? {})
      .map(([name, value]) => `${name}=${Number.isInteger(value) ? value : Number(value.toPrecision(4))}`)
      .join(', ');
    lines.push(`| ${id} | ${step.use} | ${step.status} | ${step.seconds?.toFixed(1) ?? ''} | ${metrics} |`);
  }
  if (Object.keys(summary.models).length > 0) {
    lines.push('', '## Models', '', '| model | parameters | FLOPs (MACs) |', '|---|---:|---:|');
    for (const [name, model] of Object.entries(summary.models)) {
      lines.push(`| ${name} | ${model.params.toLocaleString('en-US')} | ${(model.flops / 1e6).toFixed(2)} M |`);
    }
  }
  // Keep the last record per stage and epoch (a resumed run may repeat an epoch line).
  const byKey = new Map<string, EpochRecord>();
  for (const record of epochs) byKey.set(`${record.stage}#${record.epoch}`, record);
  const records = [...byKey.values()];
  const metricNames = [...new Set(records.flatMap((record) => Object.keys(record).filter((key) => typeof record[key] === 'number' && !['epoch', 'step'].includes(key))))];
  const stages = [...new Set(records.map((record) => record.stage))];
  if (metricNames.length > 0) lines.push('', '## Curves', '');
  for (const metric of metricNames) {
    const series = stages
      .map((stage) => ({
        label: stage,
        points: records.filter((record) => record.stage === stage && typeof record[metric] === 'number').map((record) => [record.epoch, record[metric] as number] as [number, number]),
      }))
      .filter((entry) => entry.points.length > 0);
    const svg = chart(metric, series);
    if (!svg) continue;
    const file = `curve-${metric.replace(/[^\w-]/g, '_')}.svg`;
    await atomicWriteFile(path.join(runDirectory, file), svg);
    lines.push(`![${metric}](${file})`);
  }
  await atomicWriteFile(path.join(runDirectory, 'report.md'), `${lines.join('\n')}\n`);
}
