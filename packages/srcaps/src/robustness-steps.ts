import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { artifactReference, encodePng, escapeSvgText, imageGrid, InvalidArgumentError, type Metrics, type Model, type StepDefinition } from '@core/runtime';
import { z } from 'zod';
import { randomAffineImages } from './affine-transform';
import { attackSuccess, fgsm, iterativeAttack, targetedFgsm, type LogitFunction } from './attacks';
import { normalizedPixelRange, normalizeImages, predictClasses, takeSubset } from './evaluation-data';

/** Options of `srcaps:adversarial`. */
export const adversarialStepOptions = z.strictObject({
  /** Trained models (earlier steps) to attack. */
  models: z.array(artifactReference('model')).min(1),
  /** L∞ budgets ε in the model's input space (after normalisation, as in the paper's `attack.py`). */
  epsilons: z.array(z.number().positive()).min(1).default([0.1, 0.3]),
  /** Attacks: FGSM (one step) and BIM (iterative, `steps` steps of ε/steps, projected). */
  attacks: z.array(z.enum(['fgsm', 'bim'])).min(1).default(['fgsm', 'bim']),
  /** Also run the targeted versions (target `(y + 1) mod classes`). */
  targeted: z.boolean().default(true),
  /** BIM steps. */
  steps: z.int().positive().default(10),
  /** Test examples attacked (the first ones of the split). */
  count: z.int().positive().default(1000),
  batchSize: z.int().positive().default(100),
  /** Valid input range: the normalised pixel range (`pixels`) or explicit `[min, max]` (the reference clips to [−1, 1]). */
  clip: z.union([z.literal('pixels'), z.tuple([z.number(), z.number()])]).default('pixels'),
  /** Examples drawn in the run directory's picture (clean and FGSM at the largest ε, with predictions). */
  pictureCount: z.int().min(0).max(32).default(8),
});
export type AdversarialStepOptions = z.input<typeof adversarialStepOptions>;

/** Options of `srcaps:affine`. */
export const affineStepOptions = z.strictObject({
  models: z.array(artifactReference('model')).min(1),
  /** Largest rotation in degrees. */
  rotation: z.number().min(0).max(180).default(20),
  /** Range of scale factors. */
  scale: z.tuple([z.number().positive(), z.number().positive()]).default([0.8, 1.2]),
  /** Largest shift in pixels along each axis. */
  translation: z.number().min(0).default(3),
  /** Test examples (the first ones of the split; default all). */
  count: z.int().positive().optional(),
  batchSize: z.int().positive().default(250),
  /** Transformed examples drawn in the run directory's picture. */
  pictureCount: z.int().min(0).max(64).default(16),
});
export type AffineStepOptions = z.input<typeof affineStepOptions>;

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

function logitFunction(model: Model): LogitFunction {
  return (inputs) => model.apply(inputs, { training: false }) as tf.Tensor;
}

function labelled(figure: { images: Float32Array; shape: readonly [number, number, number]; rows: Array<{ title: string; images: Float32Array; captions: string[] }> }): string {
  const [height, width, channels] = figure.shape;
  const size = height * width * channels;
  const cell = Math.max(56, width * 2);
  // Captions ("T-shirt/top → Shirt") are wider than the images: columns leave room for them.
  const column = Math.max(cell, 6 * Math.max(1, ...figure.rows.flatMap((row) => row.captions.map((caption) => caption.length)))) + 8;
  const columns = Math.max(1, ...figure.rows.map((row) => row.captions.length));
  const left = 150;
  const rowHeight = cell + 18;
  const parts: string[] = [];
  figure.rows.forEach((row, rowIndex) => {
    const y = 6 + rowIndex * rowHeight;
    parts.push(`<text x="4" y="${y + cell / 2}" font-size="11" font-family="sans-serif">${escapeSvgText(row.title)}</text>`);
    row.captions.forEach((caption, index) => {
      const png = encodePng(imageGrid({ images: row.images.subarray(index * size, (index + 1) * size), count: 1, shape: figure.shape, columns: 1, padding: 0, range: [0, 1] }));
      const x = left + index * column;
      parts.push(`<image x="${x}" y="${y}" width="${cell}" height="${cell}" style="image-rendering:pixelated" href="data:image/png;base64,${Buffer.from(png).toString('base64')}"/>`);
      parts.push(`<text x="${x}" y="${y + cell + 12}" font-size="10" font-family="sans-serif">${escapeSvgText(caption)}</text>`);
    });
  });
  const svgWidth = left + columns * column;
  const svgHeight = 12 + figure.rows.length * rowHeight;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${svgWidth}" height="${svgHeight}" viewBox="0 0 ${svgWidth} ${svgHeight}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>\n`;
}

/** Maps normalised inputs back to pixels in [0, 1] for pictures. */
function toPixels(inputs: tf.Tensor4D, normalization: { mean: readonly number[]; std: readonly number[] } | undefined): Float32Array {
  return tf.tidy(() => {
    const pixels = normalization === undefined ? inputs : tf.add(tf.mul(inputs, tf.tensor1d([...normalization.std])), tf.tensor1d([...normalization.mean]));
    return tf.clipByValue(pixels, 0, 1).dataSync() as Float32Array;
  });
}

/**
 * `srcaps:adversarial`: FGSM and BIM attacks, untargeted and targeted, on the first `count` test
 * images, at each ε. Reports the attack success rate on the examples each model classified
 * correctly (Hahn et al. 2019, Sec. 4.3; targeted: classified as `(y + 1) mod classes`), and writes
 * `adversarial-examples.svg`: clean images and their FGSM versions at the largest ε with each
 * model's predictions.
 */
export const adversarialStep: StepDefinition<typeof adversarialStepOptions> = {
  description: 'FGSM/BIM attack success rates (untargeted, targeted) on initially correct test examples, with a picture',
  options: adversarialStepOptions,
  needsData: true,
  produces: () => ({}),
  async run(options, context) {
    const data = context.data;
    const subset = takeSubset(data.test, options.count);
    const [clipMin, clipMax] = options.clip === 'pixels' ? normalizedPixelRange(data.normalization) : options.clip;
    if (!(clipMin < clipMax)) throw new InvalidArgumentError('clip', `srcaps:adversarial: clip must be [min, max] with min < max, got [${clipMin}, ${clipMax}].`);
    const numClasses = data.test.numClasses;
    const targets = Int32Array.from(subset.labels, (label) => (label + 1) % numClasses);
    const inputs = tf.tidy(() => normalizeImages(tf.tensor4d(subset.pixels, [subset.count, ...subset.shape]), data.normalization));
    const metrics: Metrics = {};
    const pictureCount = Math.min(options.pictureCount, subset.count);
    const pictureEpsilon = Math.max(...options.epsilons);
    const pictureRows: Array<{ title: string; images: Float32Array; captions: string[] }> = [];
    const name = (index: number) => subset.classNames?.[index] ?? String(index);
    try {
      for (const modelName of options.models) {
        const model = context.artifacts.get(modelName, 'model').model;
        const logits = logitFunction(model);
        const clean = predictClasses(model, inputs, options.batchSize);
        const correct = clean.reduce((sum, prediction, index) => sum + (prediction === subset.labels[index] ? 1 : 0), 0);
        metrics[`${modelName}_clean_accuracy`] = correct / subset.count;
        for (const epsilon of options.epsilons) {
          for (const attack of options.attacks) {
            for (const targeted of options.targeted ? [false, true] : [false]) {
              const adversarialPredictions = new Int32Array(subset.count);
              let pictureImages: Float32Array | undefined;
              for (let start = 0; start < subset.count; start += options.batchSize) {
                const size = Math.min(options.batchSize, subset.count - start);
                const batch = tf.slice(inputs, [start, 0, 0, 0], [size, -1, -1, -1]);
                const labels = tf.tensor1d(subset.labels.subarray(start, start + size), 'int32');
                const batchTargets = tf.tensor1d(targets.subarray(start, start + size), 'int32');
                const bounds = { epsilon, clipMin, clipMax };
                const adversarial =
                  attack === 'fgsm'
                    ? targeted
                      ? targetedFgsm(logits, batch, batchTargets, bounds)
                      : fgsm(logits, batch, labels, bounds)
                    : iterativeAttack(logits, batch, labels, { ...bounds, steps: options.steps, stepSize: epsilon / options.steps, ...(targeted ? { targets: batchTargets } : {}) });
                adversarialPredictions.set(predictClasses(model, adversarial as tf.Tensor4D, size), start);
                if (start === 0 && attack === 'fgsm' && !targeted && epsilon === pictureEpsilon && pictureCount > 0) {
                  const shown = tf.slice(adversarial, [0, 0, 0, 0], [pictureCount, -1, -1, -1]) as tf.Tensor4D;
                  pictureImages = toPixels(shown, data.normalization);
                  shown.dispose();
                }
                tf.dispose([batch, labels, batchTargets, adversarial]);
              }
              const result = attackSuccess(subset.labels, clean, adversarialPredictions, targeted ? targets : undefined);
              const key = `${modelName}_${attack}${targeted ? '_targeted' : ''}_eps${epsilon}_success`;
              metrics[key] = result.correct === 0 ? 0 : result.succeeded / result.correct;
              context.logger.info(`${modelName}: ${attack.toUpperCase()}${targeted ? ' targeted' : ''} ε = ${epsilon}: success ${percent(metrics[key])} of ${result.correct} correctly classified`);
              if (pictureImages !== undefined) {
                pictureRows.push({
                  title: `${modelName} FGSM ε=${epsilon}`,
                  images: pictureImages,
                  captions: Array.from({ length: pictureCount }, (_, index) => `${name(clean[index])} → ${name(adversarialPredictions[index])}`),
                });
              }
            }
          }
        }
      }
      if (pictureCount > 0) {
        const cleanPixels = subset.pixels.slice(0, pictureCount * subset.shape[0] * subset.shape[1] * subset.shape[2]);
        const svg = labelled({
          images: cleanPixels,
          shape: subset.shape,
          rows: [{ title: 'clean (label)', images: cleanPixels, captions: Array.from(subset.labels.subarray(0, pictureCount), (label) => name(label)) }, ...pictureRows],
        });
        await mkdir(context.stepDirectory, { recursive: true });
        await writeFile(path.join(context.stepDirectory, 'adversarial-examples.svg'), svg);
      }
    } finally {
      inputs.dispose();
    }
    return { metrics };
  },
};

/**
 * `srcaps:affine`: accuracy on test images under random affine transformations (rotation, scale,
 * translation about the centre, drawn from the step's generator; bilinear, black outside), the
 * affNIST-style test of the paper for models trained on the untransformed (centred) images; also
 * the clean accuracy on the same images. Writes `affine-examples.png`.
 */
export const affineStep: StepDefinition<typeof affineStepOptions> = {
  description: 'Accuracy on randomly rotated/scaled/translated test images (models trained on centred ones)',
  options: affineStepOptions,
  needsData: true,
  produces: () => ({}),
  async run(options, context) {
    const data = context.data;
    if (options.scale[0] > options.scale[1]) throw new InvalidArgumentError('scale', `srcaps:affine: scale must be [low, high] with low ≤ high, got [${options.scale.join(', ')}].`);
    const subset = takeSubset(data.test, options.count);
    const transformed = randomAffineImages(subset.pixels, subset.count, subset.shape, { rotation: options.rotation, scale: options.scale, translation: options.translation }, context.rng.fork('affine'));
    const cleanInputs = tf.tidy(() => normalizeImages(tf.tensor4d(subset.pixels, [subset.count, ...subset.shape]), data.normalization));
    const affineInputs = tf.tidy(() => normalizeImages(tf.tensor4d(transformed, [subset.count, ...subset.shape]), data.normalization));
    const metrics: Metrics = {};
    try {
      for (const modelName of options.models) {
        const model = context.artifacts.get(modelName, 'model').model;
        const accuracy = (predictions: Int32Array) => predictions.reduce((sum, prediction, index) => sum + (prediction === subset.labels[index] ? 1 : 0), 0) / subset.count;
        metrics[`${modelName}_clean_accuracy`] = accuracy(predictClasses(model, cleanInputs, options.batchSize));
        metrics[`${modelName}_affine_accuracy`] = accuracy(predictClasses(model, affineInputs, options.batchSize));
        context.logger.info(`${modelName}: accuracy ${percent(metrics[`${modelName}_clean_accuracy`])} clean, ${percent(metrics[`${modelName}_affine_accuracy`])} under random affine transformations`);
      }
      const shown = Math.min(options.pictureCount, subset.count);
      if (shown > 0) {
        const size = subset.shape[0] * subset.shape[1] * subset.shape[2];
        const pairs = new Float32Array(2 * shown * size);
        for (let index = 0; index < shown; index += 1) {
          pairs.set(subset.pixels.subarray(index * size, (index + 1) * size), index * size);
          pairs.set(transformed.subarray(index * size, (index + 1) * size), (shown + index) * size);
        }
        await mkdir(context.stepDirectory, { recursive: true });
        // top row: the test images; bottom row: their transformed versions
        await writeFile(path.join(context.stepDirectory, 'affine-examples.png'), encodePng(imageGrid({ images: pairs, count: 2 * shown, shape: subset.shape, columns: shown, range: [0, 1] })));
      }
    } finally {
      tf.dispose([cleanInputs, affineInputs]);
    }
    return { metrics };
  },
};
