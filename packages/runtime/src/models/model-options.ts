import { z } from 'zod';
import type { ModelFactoryContext } from '../contracts';
import { InvalidArgumentError } from '../errors';
import { createRng } from '../rng';
import { parseOptions } from '../zod-issues';

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
  return parseOptions(schema, options, model);
}

/** Throws unless both shape options are present (builders called from code must pass them). */
export function requireShapes(options: { inputShape?: readonly number[]; numClasses?: number }, model: string): ModelShapeOptions {
  if (options.inputShape === undefined || options.numClasses === undefined) {
    const missing = [options.inputShape === undefined ? 'inputShape' : undefined, options.numClasses === undefined ? 'numClasses' : undefined].filter(Boolean).join(' and ');
    throw new InvalidArgumentError(
      'options',
      `${model} needs ${missing}: give them in the model spec (e.g. { inputShape: [28, 28, 1], numClasses: 10 }), or add a "data" section to the config so they come from the data.`,
    );
  }
  return { inputShape: options.inputShape, numClasses: options.numClasses };
}

/** Returns the input shape, or throws the toolkit's message for a model built without one. */
export function requireInputShape(inputShape: readonly number[] | undefined, model: string): readonly number[] {
  if (inputShape === undefined) {
    throw new InvalidArgumentError(
      'options',
      `${model} needs inputShape: give it in the model spec (e.g. { inputShape: [28, 28, 1] }), or add a "data" section to the config so it comes from the data.`,
    );
  }
  return inputShape;
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


/**
 * Fills the options a config may leave out from a model factory's context: `inputShape` and
 * `numClasses` from the data (or the caller), `name` from the step, and `seed` from the component's
 * generator, so the run seed fixes the initial weights. Options given explicitly win. Pass
 * `{ numClasses: false }` for a model without a class-count option.
 */
export function fillModelOptions<Options extends { inputShape?: readonly number[]; numClasses?: number; name?: string; seed?: number }>(
  options: Options,
  context: Pick<ModelFactoryContext, 'inputShape' | 'numClasses' | 'name' | 'rng'>,
  fill: { numClasses?: boolean } = {},
): Options & { name: string; seed: number } {
  return {
    ...options,
    inputShape: options.inputShape ?? context.inputShape,
    // A model whose output width is its own option (an embedding's dimension) has no numClasses option.
    ...(fill.numClasses === false ? {} : { numClasses: options.numClasses ?? context.numClasses }),
    name: options.name ?? context.name,
    seed: options.seed ?? context.rng.seed(),
  };
}
