// Soak: 10,000 training steps through the runner (checkpoints every epoch, kept and rotated, the
// divergence guard, metrics.jsonl), interrupted and resumed in the same process every 2,500 steps,
// sampling tf.memory().numTensors and the process's RSS. A leak shows as growth of either.
//   node --expose-gc bench/soak.mjs [--steps 10000] [--every 1000] [--interrupt 2500] [--backend cpu|wasm] [--json]
// Needs the built runtime (pnpm turbo run build --filter=@core/runtime). Numbers: bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';

const { runPipeline, resumeRun, RunInterruptedError } = await import(new URL('../packages/runtime/dist/index.js', import.meta.url).href);

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '10000' },
    every: { type: 'string', default: '1000' },
    interrupt: { type: 'string', default: '2500' },
    backend: { type: 'string', default: 'cpu' },
    json: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const every = Number(values.every);
const interruptEvery = Number(values.interrupt);

// 800 synthetic images, 20% held out: 640 training images in batches of 16 = 40 steps per epoch.
const batchesPerEpoch = 40;
const config = {
  name: 'soak',
  seed: 1,
  backend: values.backend,
  data: { dataset: { use: 'core:synthetic', count: 800, testCount: 64, shape: [8, 8, 1], numClasses: 4, seed: 1, noise: 0.3 }, validation: 0.2 },
  steps: [{ id: 'train', use: 'core:train', model: { use: 'core:mlp', hidden: [32] }, epochs: Math.ceil(steps / batchesPerEpoch), batchSize: 16 }],
};

const directory = mkdtempSync(path.join(os.tmpdir(), 'core-soak-'));
const megabytes = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const samples = [];
const sample = (step, phase) => {
  globalThis.gc?.();
  const memory = process.memoryUsage();
  samples.push({ step, phase, tensors: tf.memory().numTensors, rssMB: megabytes(memory.rss), heapMB: megabytes(memory.heapUsed) });
};

const started = Date.now();
let controller = new AbortController();
let nextInterrupt = interruptEvery;
const events = {
  onBatchEnd(position) {
    if (position.globalStep % every === 0) sample(position.globalStep, 'training');
    if (interruptEvery > 0 && position.globalStep === nextInterrupt && position.globalStep < steps) controller.abort();
  },
};

sample(0, 'start');
let runDirectory = path.join(directory, 'run');
let resumes = 0;
let summary;
try {
  summary = await runPipeline({ config, directory }, { runDirectory, events, signal: controller.signal });
} catch (error) {
  if (!RunInterruptedError.isInstance(error)) throw error;
}
while (summary === undefined) {
  // After an interrupt: every tensor of the interrupted run must be released.
  sample(nextInterrupt, 'after an interrupt');
  nextInterrupt += interruptEvery;
  controller = new AbortController();
  resumes += 1;
  try {
    summary = await resumeRun(runDirectory, { events, signal: controller.signal });
  } catch (error) {
    if (!RunInterruptedError.isInstance(error)) throw error;
  }
}
sample(steps, 'end');
const seconds = (Date.now() - started) / 1000;
rmSync(directory, { recursive: true, force: true });

const training = samples.filter((entry) => entry.phase === 'training');
const result = {
  steps: training.at(-1)?.step ?? 0,
  resumes,
  seconds: Math.round(seconds),
  backend: summary.backend.name,
  node: process.version,
  status: summary.status,
  accuracy: summary.steps.train.metrics.val_accuracy,
  tensors: { start: samples[0].tensors, training: [...new Set(training.map((entry) => entry.tensors))], end: samples.at(-1).tensors },
  rssMB: { first: training[0]?.rssMB, last: training.at(-1)?.rssMB, min: Math.min(...training.map((entry) => entry.rssMB)), max: Math.max(...training.map((entry) => entry.rssMB)) },
  samples,
};
if (values.json) {
  console.log(JSON.stringify(result, null, 2));
} else {
  console.log(`${result.steps} steps, ${resumes} in-process resumes, ${result.seconds} s, backend ${result.backend}, ${result.node}, status ${result.status}, val_accuracy ${result.accuracy.toFixed(4)}`);
  console.log('| step | phase | tensors | RSS MB | heap MB |');
  console.log('|---:|---|---:|---:|---:|');
  for (const entry of samples) console.log(`| ${entry.step} | ${entry.phase} | ${entry.tensors} | ${entry.rssMB} | ${entry.heapMB} |`);
}
const grew = result.tensors.end !== result.tensors.start || result.tensors.training.length !== 1;
if (grew) {
  console.error(`tensor count changed: start ${result.tensors.start}, during training ${result.tensors.training.join(', ')}, end ${result.tensors.end}`);
  process.exitCode = 1;
}
