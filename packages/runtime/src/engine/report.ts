import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lineChartSvg } from '../figures/line-chart';
import { atomicWriteFile } from '../io';
import type { RunSummary } from './runner';

interface EpochRecord {
  type: string;
  stage: string;
  epoch: number;
  [metric: string]: unknown;
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
    const svg = lineChartSvg({ title: metric, series });
    if (!svg) continue;
    const file = `curve-${metric.replace(/[^\w-]/g, '_')}.svg`;
    await atomicWriteFile(path.join(runDirectory, file), svg);
    lines.push(`![${metric}](${file})`);
  }
  await atomicWriteFile(path.join(runDirectory, 'report.md'), `${lines.join('\n')}\n`);
}
