// Aggregates the sweep's run directories: mean ± std over seeds of validation and test accuracy.
//   node examples/kd-sweep/table.mjs <runs folder>
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
if (!folder || !existsSync(folder)) {
  console.error('usage: node table.mjs <runs folder of the sweep>');
  process.exit(1);
}
const groups = new Map();
for (const entry of readdirSync(folder).sort()) {
  const file = join(folder, entry, 'summary.json');
  if (!existsSync(file)) continue;
  const summary = JSON.parse(readFileSync(file, 'utf8'));
  if (summary.status !== 'done') continue;
  const setting = summary.name.replace(/-s\d+$/, '');
  const row = {};
  for (const split of ['val', 'test']) {
    const m = summary.steps[split].metrics;
    row[split] = { teacher: m.teacher_accuracy, baseline: m.baseline_accuracy, student: m.student_accuracy };
  }
  if (!groups.has(setting)) groups.set(setting, []);
  groups.get(setting).push(row);
}
const stat = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return `${(100 * mean).toFixed(2)} ± ${(100 * sd).toFixed(2)}`;
};
console.log('| setting | seeds | teacher test | label-only val | KD val | KD − label-only val | label-only test | KD test | KD − label-only test |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [setting, rows] of groups) {
  const pick = (split, arm) => rows.map((r) => r[split][arm]);
  const diff = (split) => rows.map((r) => r[split].student - r[split].baseline);
  console.log(
    `| ${setting} | ${rows.length} | ${stat(pick('test', 'teacher'))} | ${stat(pick('val', 'baseline'))} | ${stat(pick('val', 'student'))} | ${stat(diff('val'))} | ${stat(pick('test', 'baseline'))} | ${stat(pick('test', 'student'))} | ${stat(diff('test'))} |`,
  );
}
