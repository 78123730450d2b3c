// Seconds per epoch of each method's example pipeline, from the run's own metrics.jsonl.
//   node bench/methods.mjs [config ...]     (default: the examples below; runs go to a temp directory)
//   CORE_THREADS=1 node bench/methods.mjs   (the WebAssembly backend's thread count; default: one per core)
// Each training step's seconds per epoch = time between its first and last epoch line divided by
// the number of epochs in between (so data loading and the first epoch's warm-up are excluded).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['quickstart.yaml', 'rkd-classification.yaml', 'rkd-metric.yaml', 'srcaps-fashion.yaml'];
const cli = path.join(root, 'packages/cli/dist/bin.js');
const rows = [];
for (const config of configs) {
  const runDirectory = path.join(mkdtempSync(path.join(os.tmpdir(), 'core-bench-')), 'run');
  const started = Date.now();
  const result = spawnSync(process.execPath, [cli, 'run', config, '--run-dir', runDirectory, '--json'], { cwd: path.join(root, 'examples'), encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`${config}: failed\n${result.stderr.slice(-2000)}`);
    process.exitCode = 1;
    continue;
  }
  const wall = (Date.now() - started) / 1000;
  const summary = JSON.parse(readFileSync(path.join(runDirectory, 'summary.json'), 'utf8'));
  const lines = readFileSync(path.join(runDirectory, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const epochs = lines.filter((line) => line.type === 'epoch');
  const starts = Object.fromEntries(lines.filter((line) => line.type === 'stage-start').map((line) => [line.stage, Date.parse(line.time)]));
  for (const stage of [...new Set(epochs.map((line) => line.stage))]) {
    const own = epochs.filter((line) => line.stage === stage);
    const first = Date.parse(own[0].time);
    const last = Date.parse(own.at(-1).time);
    const perEpoch = own.length > 1 ? (last - first) / 1000 / (own.length - 1) : (first - starts[stage]) / 1000;
    rows.push({ config, stage, use: summary.steps[stage].use, epochs: own.length, perEpoch, backend: `${summary.backend.name} (${summary.backend.threads} thread${summary.backend.threads === 1 ? '' : 's'})`, wall });
  }
}
console.log(`| example | step | use | epochs | seconds / epoch | backend |`);
console.log(`|---|---|---|---:|---:|---|`);
for (const row of rows) console.log(`| ${row.config} | ${row.stage} | ${row.use} | ${row.epochs} | ${row.perEpoch.toFixed(2)} | ${row.backend} |`);
console.log(`\nload average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}; wall time per example: ${[...new Set(rows.map((row) => `${row.config} ${row.wall.toFixed(0)} s`))].join(', ')}`);
