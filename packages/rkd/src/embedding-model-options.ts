import { InvalidArgumentError } from '@core/runtime';
import { z } from 'zod';

/** Options every embedding model shares. */
export const embeddingModelFields = {
  /** Width `d` of the embedding. */
  dimension: z.int().positive().describe('embedding width d'),
  /** L2-normalise the embedding (the teacher of the paper's metric-learning setup; not the student). */
  l2normalize: z.boolean().default(false).describe('L2-normalise the embedding'),
  /** Input shape without the batch dimension. Defaults to the data's. */
  inputShape: z.array(z.int().positive()).min(1).readonly().optional().describe('input shape without the batch dimension'),
  /** Model name. Defaults to the pipeline step's. */
  name: z.string().min(1).optional(),
  /** Initialiser seed; the same seed gives the same weights in every process. Defaults to one drawn from the run's generator. */
  seed: z.int().nonnegative().max(0xffffffff).optional(),
};

/** Parses builder options, turning zod issues into one {@link InvalidArgumentError}. */
export function parseBuilderOptions<Schema extends z.ZodType>(schema: Schema, options: unknown, model: string): z.output<Schema> {
  const result = schema.safeParse(options);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`);
    throw new InvalidArgumentError('options', `invalid ${model} options: ${issues.join('; ')}.`);
  }
  return result.data;
}

/** A seed for a model built without one from code: fresh per call, since nothing asked for reproducibility. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
