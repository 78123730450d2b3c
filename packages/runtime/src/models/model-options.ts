import { z } from 'zod';
import { InvalidArgumentError } from '../errors';
import { createRng } from '../rng';

/** Activations the built-in models accept (tfjs activation identifiers). */
export const activationOption = z
  .enum(['relu', 'relu6', 'elu', 'selu', 'tanh', 'sigmoid', 'swish', 'gelu', 'linear'])
  .describe('tfjs activation identifier');

/** A built-in activation name. */
export type ActivationName = z.infer<typeof activationOption>;

/** Input shape without the batch dimension, e.g. `[28, 28, 1]`. Optional: the data provides it. */
export const inputShapeOption = z.array(z.int().positive()).min(1).readonly().optional();

/** Number of classes (logit units). Optional: the data provides it. */
export const numClassesOption = z.int().positive().optional();

/** Model name. Optional: the pipeline step provides it. */
export const modelNameOption = z.string().min(1).optional();

/**
 * Seed of every initialiser. Optional: without it the run's generator supplies one, so the run seed
 * still determines the weights.
 */
export const seedOption = z.int().nonnegative().max(0xffffffff).optional();

/** What every built-in builder needs beyond its own options. */
export interface ModelShapeOptions {
  /** Input shape without the batch dimension. */
  inputShape: readonly number[];
  /** Number of classes (logit units). */
  numClasses: number;
}

/**
 * Validates builder options against their schema and fills defaults; turns a zod failure into an
 * {@link InvalidArgumentError} that lists every problem.
 */
export function parseModelOptions<Schema extends z.ZodType>(schema: Schema, options: unknown, model: string): z.output<Schema> {
  const result = schema.safeParse(options);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    throw new InvalidArgumentError('options', `invalid ${model} options: ${issues.join('; ')}.`);
  }
  return result.data;
}

/** Throws unless both shape options are present (builders called from code must pass them). */
export function requireShapes(options: { inputShape?: readonly number[]; numClasses?: number }, model: string): ModelShapeOptions {
  if (options.inputShape === undefined || options.numClasses === undefined) {
    throw new InvalidArgumentError('options', `${model} needs inputShape and numClasses (e.g. { inputShape: [28, 28, 1], numClasses: 10 }).`);
  }
  return { inputShape: options.inputShape, numClasses: options.numClasses };
}

/**
 * Per-layer initialiser seeds derived from one model seed and the layer's name, so the weights of a
 * layer depend only on (seed, layer name): identical in every process, and unaffected by adding or
 * removing other layers.
 */
export function createLayerSeeds(seed: number): (layerName: string) => number {
  const root = createRng(seed);
  return (layerName) => root.fork(layerName).seed();
}

/** A seed for a model built without one: fresh per call, since nothing asked for reproducibility. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

