// Training and inference throughput (images/s) of LeNet-5 and ResNet-20 on each available tfjs backend.
// Usage and measured numbers: bench/README.md.

// Where the backends come from, in one place: the built @core/runtime (its wasm backend from the built
// @core/wasm-training), or any other module exporting selectBackend named by CORE_BACKENDS_MODULE (see README).
const backendsModule =
  process.env.CORE_BACKENDS_MODULE ?? new URL('../packages/runtime/dist/index.js', import.meta.url).href;
const { selectBackend } = await import(
  backendsModule.startsWith('file:') ? backendsModule : new URL(backendsModule, `file://${process.cwd()}/`).href
);

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';

const { values: options } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,wasm,cpu' },
    models: { type: 'string', default: 'lenet5,resnet20' },
    profile: { type: 'boolean', default: false },
    // Machine-readable results on stdout (used by bench/compare.mjs) instead of the markdown tables.
    json: { type: 'boolean', default: false },
  },
});

/**
 * Steps per measurement. Warm-up steps (excluded) let XNNPACK build its operators and tfjs settle its
 * kernels; the pure-JS backend has nothing to warm up and is slow on ResNet-20, so it runs few steps.
 */
const schedules = {
  default: { training: { warmup: 2, timed: 10 }, inference: { warmup: 2, timed: 10 } },
  slow: { training: { warmup: 0, timed: 1 }, inference: { warmup: 0, timed: 2 } },
};

function scheduleFor(backend, model) {
  return backend === 'cpu' && model === 'resnet20' ? schedules.slow : schedules.default;
}

/** LeNet-5 for 28×28×1 images (ReLU instead of the original squashing functions). */
function createLeNet5() {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tf.layers.averagePooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

/**
 * CIFAR ResNet-20 exactly as `createResNet` (packages/runtime/src/models/resnet.ts) builds it: 3 stages × 3 basic
 * blocks, 16/32/64 channels; where a block strides, the shortcut is 2×2 average pooling and a 1×1 conv without
 * batch norm; batch norm with momentum 0.9 and epsilon 1e-5 (PyTorch's defaults). Built here so that the bench does
 * not depend on the runtime's model adapter; bench/pytorch_bench.py builds the same network.
 */
function createResNet20() {
  const convolution = (filters, kernelSize, strides) =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: 'heNormal' });
  const batchNorm = () => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const input = tf.input({ shape: [32, 32, 3] });
  let features = convolution(16, 3, 1).apply(input);
  features = batchNorm().apply(features);
  features = tf.layers.activation({ activation: 'relu' }).apply(features);
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let block = 0; block < 3; block += 1) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      let residual = convolution(filters, 3, strides).apply(features);
      residual = batchNorm().apply(residual);
      residual = tf.layers.activation({ activation: 'relu' }).apply(residual);
      residual = convolution(filters, 3, 1).apply(residual);
      residual = batchNorm().apply(residual);
      let shortcut = features;
      if (strides !== 1) {
        shortcut = tf.layers.averagePooling2d({ poolSize: strides, strides, padding: 'same' }).apply(features);
        shortcut = convolution(filters, 1, 1).apply(shortcut);
      }
      features = tf.layers.add().apply([residual, shortcut]);
      features = tf.layers.activation({ activation: 'relu' }).apply(features);
    }
  }
  features = tf.layers.globalAveragePooling2d({}).apply(features);
  const logits = tf.layers.dense({ units: 10 }).apply(features);
  return tf.model({ inputs: input, outputs: logits });
}

// @core/srcaps's capsule networks as examples/srcaps-fashion.yaml configures them (backbone 16-32-32, 8 capsule
// types; bench/pytorch_bench.py builds the same networks), loaded from the built package only when asked for.
const srcaps = options.models.includes('capsnet')
  ? await import(new URL('../packages/srcaps/dist/index.js', import.meta.url).href)
  : undefined;
const capsuleNetworks = {
  'capsnet-sr1': { label: 'capsnet sr1', head: 'self-routing', depth: 1 },
  'capsnet-sr2': { label: 'capsnet sr2', head: 'self-routing', depth: 2 },
  'capsnet-dr1': { label: 'capsnet dr1', head: 'dynamic-routing', depth: 1 },
  'capsnet-em1': { label: 'capsnet em1', head: 'em-routing', depth: 1, capsuleSize: 4 },
  'capsnet-avgpool': { label: 'capsnet avgpool', head: 'avg-pool', depth: 1 },
};

const models = {
  lenet5: { label: 'LeNet-5', batchSize: 64, imageShape: [28, 28, 1], create: createLeNet5 },
  resnet20: { label: 'ResNet-20', batchSize: 32, imageShape: [32, 32, 3], create: createResNet20 },
  ...Object.fromEntries(
    Object.entries(capsuleNetworks).map(([key, { label, ...spec }]) => [
      key,
      {
        label,
        batchSize: 64,
        imageShape: [28, 28, 1],
        create: () => srcaps.createCapsuleNetwork({ ...spec, capsules: 8, filters: [16, 32, 32], inputShape: [28, 28, 1], numClasses: 10, seed: 1 }),
      },
    ]),
  ),
};

function median(values) {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Runs `step` warm-up + timed times; returns the median wall time of the timed runs in ms, and how many
 * tensors the timed runs left behind (null without warm-up, when first-step allocations would count).
 */
async function timeSteps(step, { warmup, timed }) {
  for (let index = 0; index < warmup; index += 1) {
    await step();
  }
  const tensorsBefore = tf.memory().numTensors;
  const durations = [];
  for (let index = 0; index < timed; index += 1) {
    const start = performance.now();
    await step();
    durations.push(performance.now() - start);
  }
  return { milliseconds: median(durations), leaked: warmup > 0 ? tf.memory().numTensors - tensorsBefore : null };
}

async function measure(backend, modelName) {
  const model = models[modelName];
  const network = model.create();
  const schedule = scheduleFor(backend, modelName);
  // Batches are built once up front: slicing them inside the loop would be timed too.
  const images = tf.randomNormal([model.batchSize, ...model.imageShape]);
  const labels = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([model.batchSize], 0, 10, 'int32'), 10, 1, 0, 'float32'),
  );
  const optimizer = tf.train.momentum(0.01, 0.9);

  const trainingStep = async () => {
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, network.apply(images, { training: true })),
      true,
    );
    await cost.data();
    cost.dispose();
  };
  // One forward pass over the whole batch in inference mode, like PyTorch's eval-mode call: `predict` would
  // split it into batches of 32 and slice them out of the 4-D input (a slow copy on wasm).
  const inferenceStep = async () => {
    const logits = tf.tidy(() => network.apply(images, { training: false }));
    await logits.data();
    logits.dispose();
  };

  const inference = await timeSteps(inferenceStep, schedule.inference);
  const training = await timeSteps(trainingStep, schedule.training);
  for (const [task, run] of [['inference', inference], ['training', training]]) {
    if (run.leaked) {
      console.warn(`warning: ${run.leaked} tensors leaked per ${task} run of ${model.label} on ${backend}`);
    }
  }

  let profile;
  if (options.profile && backend === 'wasm') {
    await trainingStep();
    profile = await tf.profile(trainingStep);
  }
  const parameters = network.countParams();
  tf.dispose([images, labels]);
  optimizer.dispose();
  network.dispose();
  return {
    model: model.label,
    batchSize: model.batchSize,
    parameters,
    backend,
    trainingMs: training.milliseconds,
    inferenceMs: inference.milliseconds,
    schedule,
    profile,
  };
}

function formatRate(batchSize, milliseconds) {
  const rate = (batchSize * 1000) / milliseconds;
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

/**
 * Floating-point operations (multiply + add = 2) of the convolution kernels, from the shapes tf.profile records;
 * null for the other kernels. Each of the three convolution kernels does the arithmetic of the forward
 * convolution: 2 · batch · outHeight · outWidth · outChannels · filterHeight · filterWidth · inChannels.
 */
function convolutionFlops(kernel) {
  const product = (shape) => shape.reduce((total, size) => total * size, 1);
  const [first, second] = kernel.inputShapes;
  switch (kernel.name) {
    case 'Conv2D':
    case 'FusedConv2D': // x, filter [fh, fw, ci, co]; output [n, oh, ow, co]
      return 2 * product(kernel.outputShapes[0]) * product(second.slice(0, 3));
    case 'Conv2DBackpropInput': // dy [n, oh, ow, co], filter [fh, fw, ci, co]
      return 2 * product(first) * product(second.slice(0, 3));
    case 'Conv2DBackpropFilter': // x, dy [n, oh, ow, co]; output [fh, fw, ci, co]
      return 2 * product(second) * product(kernel.outputShapes[0].slice(0, 3));
    default:
      return null;
  }
}

function summarizeProfile(profile) {
  const byKernel = new Map();
  for (const kernel of profile.kernels) {
    // `<op>__op` entries wrap custom-gradient ops and contain the time of the kernels inside them.
    if (kernel.name.endsWith('__op')) {
      continue;
    }
    const entry = byKernel.get(kernel.name) ?? { name: kernel.name, milliseconds: 0, calls: 0, flops: null };
    entry.milliseconds += kernel.kernelTimeMs;
    entry.calls += 1;
    const flops = convolutionFlops(kernel);
    if (flops != null) {
      entry.flops = (entry.flops ?? 0) + flops;
    }
    byKernel.set(kernel.name, entry);
  }
  const kernels = [...byKernel.values()].sort((left, right) => right.milliseconds - left.milliseconds);
  return {
    kernels,
    totalMs: kernels.reduce((sum, entry) => sum + entry.milliseconds, 0),
    calls: kernels.reduce((sum, entry) => sum + entry.calls, 0),
    flops: kernels.reduce((sum, entry) => sum + (entry.flops ?? 0), 0),
  };
}

function printProfile(label, summary) {
  console.log(`\nPer-kernel time of one ${label} training step on wasm (tf.profile; GFLOP = convolution arithmetic):\n`);
  console.log('| kernel | calls | ms | share | GFLOP | GFLOP/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const entry of summary.kernels.slice(0, 14)) {
    const gflop = entry.flops == null ? '' : (entry.flops / 1e9).toFixed(3);
    const rate = entry.flops == null ? '' : (entry.flops / 1e6 / entry.milliseconds).toFixed(2);
    console.log(
      `| ${entry.name} | ${entry.calls} | ${entry.milliseconds.toFixed(1)} | ${((100 * entry.milliseconds) / summary.totalMs).toFixed(1)}% | ${gflop} | ${rate} |`,
    );
  }
  console.log(
    `| all kernels | ${summary.calls} | ${summary.totalMs.toFixed(1)} | 100% | ${(summary.flops / 1e9).toFixed(3)} | ${(summary.flops / 1e6 / summary.totalMs).toFixed(2)} |`,
  );
}

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

const results = [];
const skipped = [];
const log = options.json ? () => {} : console.log;
for (const backend of options.backends.split(',')) {
  let info;
  try {
    info = await selectBackend(backend, { tf });
  } catch (error) {
    skipped.push(`${backend} (${error.message.split(':')[0]})`);
    continue;
  }
  for (const modelName of options.models.split(',')) {
    console.error(`measuring ${modelName} on ${info.tfBackend} …`);
    const result = await measure(info.name, modelName);
    results.push({ ...result, requested: backend, threads: info.threads, profile: result.profile && summarizeProfile(result.profile) });
  }
}

const machine = {
  date: new Date().toISOString(),
  cpu: cpuModel(),
  nproc: os.availableParallelism(),
  loadAverage: os.loadavg(),
  node: process.version,
  tfjs: tf.version.tfjs,
};
if (options.json) {
  console.log(JSON.stringify({ ...machine, skipped, results }));
  process.exit(0);
}
log(`\nDate: ${machine.date}`);
log(`Machine: ${machine.cpu}, nproc ${machine.nproc}, load average ${machine.loadAverage.map((value) => value.toFixed(2)).join(' ')}`);
log(`Node ${machine.node}, @tensorflow/tfjs ${machine.tfjs}`);
if (skipped.length > 0) {
  log(`Skipped: ${skipped.join('; ')}`);
}
log('\n| model | batch | backend | threads | training img/s | training step ms | inference img/s | inference batch ms | timed steps (train / infer) |');
log('|---|---:|---|---:|---:|---:|---:|---:|---|');
for (const result of results) {
  log(
    `| ${result.model} | ${result.batchSize} | ${result.backend} | ${result.threads} | ${formatRate(result.batchSize, result.trainingMs)} | ${result.trainingMs.toFixed(0)} | ${formatRate(result.batchSize, result.inferenceMs)} | ${result.inferenceMs.toFixed(1)} | ${result.schedule.training.timed} / ${result.schedule.inference.timed} |`,
  );
}
for (const result of results) {
  if (result.profile) {
    printProfile(result.model, result.profile);
  }
}
