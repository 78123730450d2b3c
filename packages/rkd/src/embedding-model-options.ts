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
