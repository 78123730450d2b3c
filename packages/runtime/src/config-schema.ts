import { z } from 'zod';
import { componentSpec } from './references';

export { componentSpec, lossSpec, modelReference } from './references';

/** One pipeline step in config. Options other than `id`/`use` are checked by the step's schema. */
export const stepConfigSchema = z.looseObject({
  id: z
    .string()
    .regex(/^[A-Za-z][\w-]*$/, 'step ids start with a letter and contain letters, digits, "_" or "-"'),
  use: z.string().min(1),
});

/** The `data` section. */
export const dataConfigSchema = z.strictObject({
  /** Dataset key (`core:mnist`) or a short name a plugin declares (`mnist`, `fashion-mnist`), or a spec with options. */
  dataset: z.union([z.string().min(1), componentSpec]),
  /** Fraction of the training split held out for validation (stratified, seeded). */
  validation: z.number().min(0).max(0.9).default(0.1),
  /** Normalise images with the training split's per-channel mean and std. */
  normalize: z.boolean().default(true),
  /** Use at most this many images of each split (stratified prefix). */
  limit: z
    .strictObject({ train: z.number().int().positive().optional(), test: z.number().int().positive().optional() })
    .optional(),
});

/** The `checkpoints` section: how many checkpoints each training step keeps. */
export const checkpointsConfigSchema = z.strictObject({
  /** Checkpoints kept per step, the latest included; a damaged latest one falls back to the one before. */
  keep: z.number().int().min(1).max(100).default(2),
});

/**
 * The `divergence` section: when a step's training counts as diverged although its numbers are
 * finite (NaN and Infinity always stop it). `false` turns the guard off.
 */
export const divergenceConfigSchema = z.union([
  z.literal(false),
  z.strictObject({
    /** The batch metric watched. */
    monitor: z.string().min(1).default('loss'),
    /** Stop when a batch's value has a magnitude above this; `null`: no bound. */
    threshold: z.number().positive().nullable().default(1e6),
    /** Stop when an epoch's mean exceeds this factor times the lowest positive mean of the epochs before; `null`: off. */
    factor: z.number().gt(1).nullable().default(null),
  }),
]);

/** Top-level config schema (step and component options are validated against the registry afterwards). */
export const runConfigSchema = z.strictObject({
  /** Name of the run; the run directory is `<output>/<name>-<timestamp>`. */
  name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" or "-"').default('run'),
  /** Seed of every random choice in the run. */
  seed: z.number().int().min(0).default(0),
  backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  /**
   * Threads of the WebAssembly backend: 1 = the single-threaded build, `auto` = one per available
   * core (at most 8). Unset: the `CORE_THREADS` environment variable, else 1 (on 2 cores, threads
   * speed up inference but slow training down; see bench/README.md).
   */
  threads: z.union([z.literal('auto'), z.number().int().positive().max(8)]).optional(),
  /** Plugin packages to load, e.g. `@core/rkd`. Package names only: a config never names a file to import. */
  plugins: z.array(z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/, 'a package name such as "@core/rkd"')).default([]),
  /** Where run directories are created, relative to the config file. */
  output: z.string().default('runs'),
  data: dataConfigSchema.optional(),
  /** Checkpoints kept per training step. */
  checkpoints: checkpointsConfigSchema.prefault({}),
  /** The divergence guard of every training step (a step's code may set its own). */
  divergence: divergenceConfigSchema.prefault({}),
  steps: z.array(stepConfigSchema).min(1, 'a pipeline needs at least one step'),
});

/** Parsed config with defaults filled in. */
export type RunConfig = z.output<typeof runConfigSchema>;
/** Config as written by a user. */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** One step of a {@link RunConfig}. */
export type StepConfig = z.output<typeof stepConfigSchema> & Record<string, unknown>;
/** The `data` section of a {@link RunConfig}. */
export type DataConfig = z.output<typeof dataConfigSchema>;
