// Our throughput on the default backend (what selectBackend('auto') picks) against PyTorch on the same machine,
// in one run, at the same thread counts: bench/throughput.mjs (once per thread count, via CORE_THREADS) and
// bench/pytorch_bench.py alternate for --rounds rounds, each reports the median of its timed steps, and the table
// shows the median over rounds and the ratios ours / PyTorch at each thread count.
// Usage and measured numbers: bench/README.md.
//
//   node bench/compare.mjs [--rounds 2] [--profile] [--python /usr/bin/python3] [--threads 1,2]

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.PYTHON ?? '/usr/bin/python3' },
    threads: { type: 'string', default: '1,2' },
  },
});

const benchDirectory = fileURLToPath(new URL('.', import.meta.url));
const rounds = Math.max(1, Number.parseInt(options.rounds, 10));

function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) {
        reject(error);
      } else {
        resolve(stdout);
      }
    });
    child.stderr.pipe(process.stderr);
  });
}

function lastJsonLine(text) {
  const line = text.trim().split('\n').filter((entry) => entry.startsWith('{')).at(-1);
  return JSON.parse(line);
}

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const loads = [];
const ours = [];
const theirs = [];
let pytorchInfo;
let pytorchSkipped;
for (let round = 0; round < rounds; round += 1) {
  const args = [`${benchDirectory}throughput.mjs`, '--backends', 'auto', '--json'];
  if (options.profile && round === rounds - 1) {
    args.push('--profile');
  }
  for (const threads of options.threads.split(',')) {
    loads.push(os.loadavg()[0]);
    const report = lastJsonLine(await run(process.execPath, args, { ...process.env, CORE_THREADS: threads }));
    ours.push({ ...report, requestedThreads: Number(threads) });
  }
  if (pytorchSkipped === undefined) {
    // OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this child only: they slow current BLAS builds.
    const env = { ...process.env };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    loads.push(os.loadavg()[0]);
    try {
      const report = lastJsonLine(await run(options.python, [`${benchDirectory}pytorch_bench.py`, '--threads', options.threads], env));
      if (report.skipped) {
        pytorchSkipped = report.skipped;
      } else {
        pytorchInfo = report;
        theirs.push(report.results);
      }
    } catch (error) {
      pytorchSkipped = `${options.python} could not run the PyTorch bench (${error.message.split('\n')[0]})`;
    }
  }
}
loads.push(os.loadavg()[0]);

// Median over rounds, per configuration.
const ourRuns = ours.flatMap((report) => report.results.map((result) => ({ ...result, requestedThreads: report.requestedThreads })));
const oursBy = (model, threads, field) =>
  median(ourRuns.filter((result) => result.model === model && result.requestedThreads === threads).map((result) => result[field]));
const pytorchRuns = theirs.flat();
const pytorchConfigs = [...new Set(pytorchRuns.map((result) => `${result.model}|${result.threads}|${result.layout}`))].map((key) => {
  const [model, threads, layout] = key.split('|');
  const runs = pytorchRuns.filter((result) => `${result.model}|${result.threads}|${result.layout}` === key);
  return {
    model,
    threads: Number(threads),
    layout,
    batch: runs[0].batch,
    training_ms: median(runs.map((result) => result.training_ms)),
    inference_ms: median(runs.map((result) => result.inference_ms)),
  };
});

const first = ours[0];
const backend = first.results[0];
console.log(`\nDate: ${first.date}`);
console.log(`Machine: ${first.cpu}, nproc ${first.nproc}; Node ${first.node}, @tensorflow/tfjs ${first.tfjs}`);
console.log(`Load average (1 min) before each bench and at the end: ${loads.map((value) => value.toFixed(2)).join(', ')}`);
console.log(
  `Ours: backend ${backend.backend} (selectBackend('auto')), threads ${[...new Set(ourRuns.map((result) => `${result.requestedThreads} → ${result.threads}`))].join(', ')} (requested → running); median of ${rounds} round(s) of medians`,
);
if (pytorchSkipped !== undefined) {
  console.log(`PyTorch: skipped — ${pytorchSkipped}`);
} else {
  console.log(
    `PyTorch ${pytorchInfo.torch} (Python ${pytorchInfo.python}, oneDNN ${pytorchInfo.mkldnn}, libraries ${pytorchInfo.blas.join(' ')}); median of ${theirs.length} round(s) of medians`,
  );
}

const rate = (batch, milliseconds) => (batch * 1000) / milliseconds;
const format = (value) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

if (pytorchConfigs.length > 0) {
  console.log('\nPyTorch, img/s per configuration:\n');
  console.log('| model | batch | threads | layout | training img/s | training step ms | inference img/s | inference batch ms |');
  console.log('|---|---:|---:|---|---:|---:|---:|---:|');
  for (const config of pytorchConfigs) {
    console.log(
      `| ${config.model} | ${config.batch} | ${config.threads} | ${config.layout} | ${format(rate(config.batch, config.training_ms))} | ${config.training_ms.toFixed(1)} | ${format(rate(config.batch, config.inference_ms))} | ${config.inference_ms.toFixed(2)} |`,
    );
  }
}

const targets = [
  { label: 'LeNet-5 train', model: 'LeNet-5', field: 'training', target: 0.5 },
  { label: 'ResNet-20 train', model: 'ResNet-20', field: 'training', target: 0.33 },
  { label: 'LeNet-5 inference', model: 'LeNet-5', field: 'inference', target: 1 },
  { label: 'ResNet-20 inference', model: 'ResNet-20', field: 'inference', target: 0.5 },
];
const threadCounts = options.threads.split(',').map(Number);
console.log(`\nOurs (${backend.backend}) against PyTorch's faster layout, at the same thread count:\n`);
console.log('| metric | threads | ours img/s | PyTorch img/s (layout) | ratio | target | met |');
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const target of targets) {
  const batch = ourRuns.find((result) => result.model === target.model)?.batchSize;
  for (const threads of threadCounts) {
    const ourRate = rate(batch, oursBy(target.model, threads, `${target.field}Ms`));
    const best = pytorchConfigs
      .filter((config) => config.model === target.model && config.threads === threads)
      .map((config) => ({ layout: config.layout, rate: rate(config.batch, config[`${target.field}_ms`]) }))
      .sort((left, right) => right.rate - left.rate)[0];
    if (best == null) {
      console.log(`| ${target.label} | ${threads} | ${format(ourRate)} | n/a | | ≥ ${target.target}× | n/a |`);
      continue;
    }
    const ratio = ourRate / best.rate;
    console.log(
      `| ${target.label} | ${threads} | ${format(ourRate)} | ${format(best.rate)} (${best.layout}) | ${ratio.toFixed(2)}× | ≥ ${target.target}× | ${ratio >= target.target ? 'yes' : 'no'} |`,
    );
  }
}

for (const profiled of threadCounts.flatMap((threads) => ours.filter((report) => report.requestedThreads === threads).at(-1).results.filter((result) => result.profile))) {
  const { profile } = profiled;
  console.log(
    `\nPer-kernel time of one ${profiled.model} training step on ${profiled.backend}, ${profiled.threads} thread(s) (tf.profile, last round; GFLOP = convolution arithmetic):\n`,
  );
  console.log('| kernel | calls | ms | share | GFLOP | GFLOP/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const entry of profile.kernels.slice(0, 14)) {
    const gflop = entry.flops == null ? '' : (entry.flops / 1e9).toFixed(3);
    const gflops = entry.flops == null ? '' : (entry.flops / 1e6 / entry.milliseconds).toFixed(2);
    console.log(
      `| ${entry.name} | ${entry.calls} | ${entry.milliseconds.toFixed(1)} | ${((100 * entry.milliseconds) / profile.totalMs).toFixed(1)}% | ${gflop} | ${gflops} |`,
    );
  }
  console.log(
    `| all kernels | ${profile.calls} | ${profile.totalMs.toFixed(1)} | 100% | ${(profile.flops / 1e9).toFixed(3)} | ${(profile.flops / 1e6 / profile.totalMs).toFixed(2)} |`,
  );
  for (const config of pytorchConfigs.filter((entry) => entry.model === profiled.model && entry.threads === profiled.threads)) {
    console.log(
      `PyTorch ${config.threads} thread(s) ${config.layout}: the same ${(profile.flops / 1e9).toFixed(3)} GFLOP of convolution arithmetic in a ${config.training_ms.toFixed(1)} ms step = ${(profile.flops / 1e6 / config.training_ms).toFixed(2)} GFLOP/s over the whole step`,
    );
  }
}
