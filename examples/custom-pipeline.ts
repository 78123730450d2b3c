/**
 * Composes a pipeline in code instead of YAML: a small plugin defined in this file (an L2
 * logit-matching loss, Ba and Caruana 2014), then a LeNet-5 teacher trained on part of MNIST and a
 * quarter-width student distilled from it with that loss plus Hinton's KD, both evaluated on the
 * test split. The run directory lands in examples/runs/custom-pipeline-<timestamp>.
 *
 *   pnpm turbo run build --filter=@core/examples...   (builds the packages it imports)
 *   cd examples && npx tsx custom-pipeline.ts          (type-check only: npx tsc -p .)
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  ConfigError,
  createProgressReporter,
  defineLoss,
  definePlugin,
  InvalidArgumentError,
  RunInterruptedError,
  runPipeline,
  type RunConfigInput,
} from '@core/runtime';
import { z } from 'zod';

// --- A plugin: one loss, registered as "logit-match:l2" -------------------------------------

const l2LogitOptions = z.strictObject({
  /** Subtract each row's mean logit first: softmax ignores a shift shared by all classes. */
  center: z.boolean().default(true),
});

/** Mean squared difference of student and teacher logits, both `[batch, classes]`. */
const l2Logit = defineLoss({
  description: 'Logit matching (Ba and Caruana 2014): mean squared difference of student and teacher logits.',
  options: l2LogitOptions,
  create: (options) => ({
    name: 'l2',
    needs: { teacher: true },
    compute({ outputs, teacherOutputs }) {
      if (teacherOutputs === undefined) {
        throw new InvalidArgumentError('teacherOutputs', 'logit-match:l2 needs a teacher: use it in core:distill.');
      }
      return tf.tidy(() => {
        const centered = (logits: tf.Tensor) => (options.center ? tf.sub(logits, tf.mean(logits, 1, true)) : logits);
        return tf.mean(tf.squaredDifference(centered(outputs), centered(teacherOutputs))) as tf.Scalar;
      });
    },
  }),
});

const logitMatch = definePlugin({
  meta: { name: 'logit-match', version: '0.0.0', runtime: '>=0.1.0 <1.0.0' },
  losses: { l2: l2Logit },
});

// --- The pipeline ---------------------------------------------------------------------------

const config: RunConfigInput = {
  name: 'custom-pipeline',
  seed: 7,
  backend: 'auto',
  data: {
    dataset: 'mnist',
    validation: 0.1,
    // A stratified prefix of each split keeps this example short.
    limit: { train: 4000, test: 1000 },
  },
  steps: [
    {
      id: 'teacher',
      use: 'core:train',
      model: { use: 'core:lenet5' },
      epochs: 4,
      optimizer: { type: 'adam', learningRate: 0.002 },
      schedule: { type: 'cosine' },
    },
    {
      id: 'student',
      use: 'core:distill',
      teacher: 'teacher',
      model: { use: 'core:lenet5', width: 0.25 },
      epochs: 4,
      optimizer: { type: 'adam', learningRate: 0.003 },
      schedule: { type: 'cosine' },
      loss: [
        { use: 'logit-match:l2', weight: 0.1 },
        { use: 'core:kd', temperature: 4, weight: 0.9 },
      ],
    },
    { id: 'evaluate', use: 'core:evaluate', models: ['teacher', 'student'] },
  ],
};

// Relative paths in the config (output: "runs") resolve against this directory.
const directory = fileURLToPath(new URL('.', import.meta.url));
// First Ctrl-C: checkpoint after the current batch and stop.
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

try {
  const summary = await runPipeline(
    { config, directory },
    { plugins: [logitMatch], events: createProgressReporter(), signal: controller.signal },
  );
  console.log(`\n${summary.status} in ${summary.seconds.toFixed(1)} s on ${summary.backend?.name}`);
  for (const [id, step] of Object.entries(summary.steps)) {
    const metrics = Object.entries(step.metrics ?? {})
      .filter(([name]) => /accuracy|params/.test(name))
      .map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
    console.log(`  ${id.padEnd(9)} ${metrics.join(', ')}`);
  }
  console.log(`run directory: ${summary.runDirectory}`);
} catch (error) {
  if (ConfigError.isInstance(error)) {
    console.error(error.message);
    process.exitCode = 2;
  } else if (RunInterruptedError.isInstance(error)) {
    // The in-code plugin is not a package, so resume from code: resumeRun(dir, { plugins: [logitMatch] }).
    console.error(error.message);
    process.exitCode = 130;
  } else {
    throw error;
  }
}
