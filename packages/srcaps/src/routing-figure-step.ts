import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { artifactReference, heatmapSvg, InvalidArgumentError, type StepDefinition } from '@core/runtime';
import { z } from 'zod';
import { normalizeImages, takeSubset } from './evaluation-data';
import { SelfRouting2d } from './routing-layers';

/** Options of `srcaps:routing`. */
export const routingFigureOptions = z.strictObject({
  /** A trained self-routing `srcaps:capsnet` model. */
  model: artifactReference('model'),
  /** Test images shown (the first ones). */
  count: z.int().positive().max(16).default(4),
});
export type RoutingFigureOptions = z.input<typeof routingFigureOptions>;

/**
 * Per image, the share of each class capsule's activation routed from each grid position of the
 * class layer's input: `Σ_a a_i c_ij / Σ_i a_i` summed over the capsule types at a position, so each
 * row sums to the class activation `a_j`. Returns `[images][classes][positions]`.
 */
export function classRoutingShares(layer: SelfRouting2d, activations: tf.Tensor4D, poses: tf.Tensor4D): number[][][] {
  return tf.tidy(() => {
    const { coefficients, activations: unfolded } = layer.routingCoefficients(activations, poses);
    const [rows, images, classes] = coefficients.shape;
    const types = activations.shape[3];
    const weighted = tf.reshape(tf.mul(coefficients, unfolded), [rows / types, types, images, classes]);
    const total = tf.sum(unfolded, 0); // [images, 1]
    const shares = tf.div(tf.sum(weighted, 1), tf.add(total, 1e-8)); // [positions, images, classes]
    return tf.transpose(shares, [1, 2, 0]).arraySync() as number[][][];
  });
}

/**
 * `srcaps:routing`: draws the class layer's routing for a few test images as
 * `class-routing.svg`, one row per (image, class) and one column per grid position of the class
 * layer's input, each cell the share of that class's activation routed from that position
 * (see {@link classRoutingShares}); the true class is starred and each row carries `a_j`.
 */
export const routingFigureStep: StepDefinition<typeof routingFigureOptions> = {
  description: 'Picture of the class capsules routing coefficients of a self-routing model for a few test images',
  options: routingFigureOptions,
  needsData: true,
  produces: () => ({}),
  async run(options, context) {
    const model = context.artifacts.get(options.model, 'model').model;
    const layersModel = model.toLayersModel();
    const layer = layersModel?.layers.find((candidate) => candidate.name === 'class_capsules');
    if (layersModel === undefined || !(layer instanceof SelfRouting2d) || layer.poseSize !== 0) {
      throw new InvalidArgumentError('model', `srcaps:routing: model "${options.model}" (${model.spec.use}) has no self-routing class layer "class_capsules"; pass an srcaps:capsnet with head: self-routing.`);
    }
    const subset = takeSubset(context.data.test, options.count);
    const probe = tf.model({ inputs: layersModel.inputs, outputs: layer.input as tf.SymbolicTensor[] });
    const shares = tf.tidy(() => {
      const inputs = normalizeImages(tf.tensor4d(subset.pixels, [subset.count, ...subset.shape]), context.data.normalization);
      const [activations, poses] = probe.predict(inputs) as tf.Tensor4D[];
      return classRoutingShares(layer, activations, poses);
    });
    const name = (index: number) => subset.classNames?.[index] ?? String(index);
    const values: number[][] = [];
    const rowLabels: string[] = [];
    shares.forEach((image, imageIndex) => {
      image.forEach((row, classIndex) => {
        values.push(row);
        const activation = row.reduce((sum, value) => sum + value, 0);
        rowLabels.push(`#${imageIndex + 1}${classIndex === subset.labels[imageIndex] ? '*' : ' '} ${name(classIndex)} a=${activation.toFixed(2)}`);
      });
    });
    const positions = shares[0]?.[0]?.length ?? 0;
    const svg = heatmapSvg({
      title: `${options.model}: class activation routed from each position of the ${Math.round(Math.sqrt(positions))}×${Math.round(Math.sqrt(positions))} grid (* = true class)`,
      values,
      rowLabels,
      columnLabels: Array.from({ length: positions }, (_, index) => String(index)),
      cell: 12,
      // Each cell is a small share of a_j (≈ a_j / positions): scale colours to the largest one, not to 1.
      range: [0, Math.max(1e-6, ...values.flat())],
    });
    await mkdir(context.stepDirectory, { recursive: true });
    await writeFile(path.join(context.stepDirectory, 'class-routing.svg'), svg);
    context.logger.info(`wrote ${path.join(context.stepDirectory, 'class-routing.svg')}`);
    return {};
  },
};
