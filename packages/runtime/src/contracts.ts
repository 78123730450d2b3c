import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { ArrayDataset, DatasetSplits } from '@core/datasets';
import type { Rng, RngState } from './rng';

type Awaitable<T> = T | Promise<T>;

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/** A serialisable description of a model: a registered model key plus its options. */
export interface ModelSpec {
  /** Registered key, e.g. `core:lenet5`, `tas:searched`. */
  use: string;
  [option: string]: unknown;
}

/** Options of {@link Model.apply}. */
export interface ApplyOptions {
  /** Training mode: batch norm uses batch statistics and updates its moving averages, dropout is active. */
  training?: boolean;
}

/** Output of {@link Model.applyWithTaps}: the final output and the tapped intermediate tensors by layer name. */
export interface TappedOutput {
  output: tf.Tensor;
  features: Record<string, tf.Tensor>;
}

/** Sizes of a model, as reported in summaries. */
export interface ModelSummary {
  name: string;
  spec: ModelSpec;
  inputShape: number[];
  outputShape: number[];
  /** All parameters (trainable and not). */
  params: number;
  trainableParams: number;
  /** Multiply-accumulates of conv and dense layers for one example (the TAS reference convention). */
  flops: number;
}

/**
 * A trainable network. A pruned or decomposed model is a real smaller `Model`, never a mask over a
 * big one. Shapes exclude the batch dimension; images are NHWC.
 */
export interface Model {
  readonly name: string;
  /** How to rebuild this model (checkpoints store it beside the weights). */
  readonly spec: ModelSpec;
  /** Input shape without the batch dimension, e.g. `[28, 28, 1]`. */
  readonly inputShape: readonly number[];
  /** Output shape without the batch dimension, e.g. `[10]`. */
  readonly outputShape: readonly number[];
  /** Forward pass: `[batch, ...inputShape]` → `[batch, ...outputShape]`. */
  apply(inputs: tf.Tensor, options?: ApplyOptions): tf.Tensor;
  /**
   * One forward pass returning the final output and the outputs of the named layers.
   * Throws {@link InvalidArgumentError} listing the model's layer names when a name is unknown.
   */
  applyWithTaps(inputs: tf.Tensor, taps: readonly string[], options?: ApplyOptions): TappedOutput;
  /** Names that {@link Model.applyWithTaps} accepts, in forward order. */
  layerNames(): string[];
  /** Variables an optimiser updates. */
  trainableVariables(): tf.Variable[];
  /** Variables that are state but not trained (batch-norm moving statistics). */
  nonTrainableVariables(): tf.Variable[];
  /** Weights by stable name (same names in every process for the same spec). */
  getWeights(): tf.NamedTensorMap;
  /** Assigns weights by name; throws {@link CheckpointError} on a missing, unexpected or mis-shaped weight. */
  setWeights(weights: tf.NamedTensorMap): void;
  countParams(): number;
  /** Multiply-accumulates of conv and dense layers for one example of `inputShape`. */
  countFlops(): number;
  summary(): ModelSummary;
  /** The model as a standard tfjs LayersModel (for `model.save`/`tf.loadLayersModel`), when expressible as layers. */
  toLayersModel(): tf.LayersModel | undefined;
  dispose(): void;
}

// ---------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------

/** What a loss sees of one batch. Tensors are owned by the caller. */
export interface LossContext {
  /** `[batch, ...inputShape]`. */
  readonly inputs: tf.Tensor;
  /** `[batch]` int32 class indices, when the data has labels. */
  readonly labels?: tf.Tensor1D;
  /** Student (or trained model) output, usually logits `[batch, classes]`. */
  readonly outputs: tf.Tensor;
  /** Teacher output for the same inputs (distillation only), computed without gradient. */
  readonly teacherOutputs?: tf.Tensor;
  /** Tapped student layers, by layer name. */
  readonly features: Readonly<Record<string, tf.Tensor>>;
  /** Tapped teacher layers, by layer name. */
  readonly teacherFeatures: Readonly<Record<string, tf.Tensor>>;
  readonly epoch: number;
  readonly step: number;
}

/** A named scalar objective. Losses compose as a weighted sum in config. */
export interface Loss {
  readonly name: string;
  /** Returns a scalar; called inside the optimiser's gradient scope. */
  compute(context: LossContext): tf.Scalar;
  /** Layers whose outputs this loss reads from {@link LossContext.features} / `teacherFeatures`. */
  readonly taps?: { readonly student?: readonly string[]; readonly teacher?: readonly string[] };
  /** True when the loss reads the teacher. */
  readonly needsTeacher?: boolean;
  /** Trainable variables owned by the loss (e.g. a FitNet regressor), trained with the student. */
  variables?(): tf.Variable[];
  dispose?(): void;
}

// ---------------------------------------------------------------------------
// Training loop (shared by every trainer)
// ---------------------------------------------------------------------------

/** Scalar metrics by name. */
export type Metrics = Record<string, number>;

/** Identifies where in a run an event happened. */
export interface LoopPosition {
  /** Pipeline step id (a "stage" of the run). */
  stage: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Batches done in this stage so far. */
  globalStep: number;
}

/**
 * The body of a training loop: supervised, distillation, architecture search (alternating weight and
 * architecture updates inside `trainBatch`), generator training against a frozen model, or an agent
 * acting in an environment (a "batch" is one environment step). The shared engine around it handles
 * events, NaN checks, interruption, checkpoints and resuming.
 */
export interface Trainer {
  readonly name: string;
  readonly epochs: number;
  /** Number of batches of an epoch (0-based epoch). */
  batchesPerEpoch(epoch: number): number;
  /** Called at the start of each epoch with that epoch's generator (shuffling, augmentation). */
  startEpoch?(epoch: number, rng: Rng): Awaitable<void>;
  /** One update. Returns scalar metrics; `loss` is checked for NaN/Infinity. */
  trainBatch(position: LoopPosition, rng: Rng): Awaitable<Metrics>;
  /** End-of-epoch evaluation (validation metrics, prefixed by the caller with `val_`). */
  evaluate?(epoch: number): Awaitable<Metrics>;
  /** Every tensor that defines the loop's state (weights, optimiser slots, loss variables), as new tensors the caller disposes. */
  getState(): tf.NamedTensorMap;
  /** Restores {@link Trainer.getState}. */
  setState(state: tf.NamedTensorMap): void;
  /** JSON-serialisable state beyond tensors (e.g. replay-buffer cursor, schedule position). */
  getExtraState?(): unknown;
  setExtraState?(state: unknown): void;
  dispose?(): void;
}

/** Hooks called by the runner and the training loop. All optional and awaited. */
export interface TrainingEvents {
  onRunStart?(info: { runDirectory: string; backend: string; threads: number; seed: number; steps: string[]; resumed: boolean }): Awaitable<void>;
  onStageStart?(info: { stage: string; use: string; index: number; total: number; resumed: boolean }): Awaitable<void>;
  onEpochStart?(position: LoopPosition): Awaitable<void>;
  onBatchEnd?(position: LoopPosition, metrics: Metrics): Awaitable<void>;
  onEpochEnd?(position: LoopPosition, metrics: Metrics): Awaitable<void>;
  onCheckpoint?(info: { stage: string; directory: string; epoch: number; batch: number; reason: 'epoch' | 'best' | 'interrupt' }): Awaitable<void>;
  onStageEnd?(info: { stage: string; use: string; metrics: Metrics; seconds: number }): Awaitable<void>;
  onRunEnd?(info: { runDirectory: string; summary: unknown }): Awaitable<void>;
  /** Free-form progress messages. */
  onLog?(message: string, level: 'info' | 'warn'): Awaitable<void>;
}

// ---------------------------------------------------------------------------
// Reinforcement-learning environments
// ---------------------------------------------------------------------------

/** Observation or action space. */
export type Space =
  | { kind: 'discrete'; n: number }
  | { kind: 'box'; shape: readonly number[]; low: number; high: number };

/** Result of {@link Environment.step}. */
export interface EnvironmentStep {
  observation: Float32Array;
  reward: number;
  /** The episode ended in a terminal state. */
  done: boolean;
  /** The episode was cut by a time limit (not terminal for bootstrapping). */
  truncated: boolean;
}

/** An episodic environment (Gym-style). */
export interface Environment {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(rng: Rng): Float32Array;
  step(action: number): EnvironmentStep;
}

// ---------------------------------------------------------------------------
// Artifacts and steps
// ---------------------------------------------------------------------------

/** A value a step passes to later steps by name. */
export type Artifact =
  | { kind: 'model'; model: Model }
  | { kind: 'dataset'; dataset: DatasetSplits }
  | { kind: 'architecture'; spec: ModelSpec; details?: unknown }
  | { kind: 'value'; value: unknown };

/** Kinds of {@link Artifact}. */
export type ArtifactKind = Artifact['kind'];

/** Named artifacts produced so far in a run. */
export interface ArtifactStore {
  has(name: string): boolean;
  /** Throws {@link ArtifactError} naming the available artifacts when missing or of another kind. */
  get<K extends ArtifactKind>(name: string, kind: K): Extract<Artifact, { kind: K }>;
  names(): string[];
}

/** The data a run works on: the config's `data` section, loaded and split. */
export interface RunData {
  readonly name: string;
  readonly train: ArrayDataset;
  readonly validation?: ArrayDataset;
  readonly test: ArrayDataset;
  /** Per-channel mean and std of the training images, applied by trainers when `normalize` is on. */
  readonly normalization?: { mean: number[]; std: number[] };
}

/** Minimal logger handed to components. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** What every component factory receives. No globals: everything comes from here. */
export interface ComponentContext {
  readonly tf: typeof tf;
  /** Generator for this component (forked from the run seed). */
  readonly rng: Rng;
  readonly logger: Logger;
  /** Name of the active backend (`tensorflow`, `wasm`, `cpu`). */
  readonly backend: string;
  /** Builds a model from a spec (any loaded plugin's model). */
  createModel(spec: ModelSpec, options?: { inputShape?: readonly number[]; numClasses?: number; name?: string }): Model;
}

/** A reference to a registered component in config: its key and its options. */
export interface ComponentSpec {
  use: string;
  [option: string]: unknown;
}

/** A loss reference in config: key, weight in the sum, and the loss's own options. */
export interface LossSpec {
  use: string;
  weight?: number;
  [option: string]: unknown;
}

/** What a step's `run` receives. */
export interface StepContext extends ComponentContext {
  /** This step's id in the pipeline. */
  readonly id: string;
  readonly use: string;
  readonly runDirectory: string;
  /** Private directory of this step inside the run directory. */
  readonly stepDirectory: string;
  readonly artifacts: ArtifactStore;
  readonly data: RunData;
  readonly events: TrainingEvents;
  readonly signal: AbortSignal;
  /** Builds a loss from a config spec. */
  createLoss(spec: LossSpec): Loss;
  /** Builds a registered trainer from a config spec (`{ use, ...options }`). */
  createTrainer(spec: ComponentSpec): Trainer;
  /** Builds a registered environment from a config spec (`{ use, ...options }`). */
  createEnvironment(spec: ComponentSpec): Environment;
  /** Resolves a step option that is either an artifact name (a model or architecture from an earlier step) or a model spec. */
  resolveModel(reference: string | ModelSpec, options?: { inputShape?: readonly number[]; numClasses?: number; name?: string }): Model;
  /**
   * Runs a trainer under the shared engine: events, NaN checks, atomic checkpoints in the step
   * directory (resumed automatically when one exists), and Ctrl-C handling.
   */
  fit(trainer: Trainer, options?: FitOptions): Promise<FitResult>;
}

/** Options of {@link StepContext.fit}. */
export interface FitOptions {
  /** Checkpoint every this many epochs (default 1). */
  checkpointEvery?: number;
  /** Validation metric that selects the best checkpoint, e.g. `val_accuracy`. */
  monitor?: string;
  mode?: 'max' | 'min';
}

/** Result of {@link StepContext.fit}. */
export interface FitResult {
  history: Array<{ epoch: number } & Metrics>;
  last: Metrics;
  best?: Metrics & { epoch: number };
  seconds: number;
}

/** What a step returns: artifacts for later steps and metrics for the summary. */
export interface StepResult {
  artifacts?: Record<string, Artifact>;
  metrics?: Metrics;
}

// ---------------------------------------------------------------------------
// Definitions and plugins
// ---------------------------------------------------------------------------

/** Any zod schema of an options object. */
export type OptionsSchema = z.ZodType;

/** A registered component: an options schema and a factory. */
export interface ComponentDefinition<Schema extends OptionsSchema, Instance, Context = ComponentContext> {
  description?: string;
  /** Strict schema of the options (unknown keys are errors). */
  options: Schema;
  create(options: z.output<Schema>, context: Context): Instance;
}

/** Model factory: receives the data's input shape and class count when known. */
export type ModelDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<
  Schema,
  Model,
  ComponentContext & {
    inputShape: readonly number[];
    numClasses: number;
    name: string;
    /** The spec this model is built from (`use` plus parsed options); store it as {@link Model.spec}. */
    spec: ModelSpec;
  }
>;
export type LossDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Loss>;
export type TrainerDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Trainer, StepContext>;
export type EnvironmentDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Environment>;
export type DatasetDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<
  Schema,
  Promise<DatasetSplits>,
  {
    readonly logger: Logger;
    /** Directory relative paths in the options resolve against (the config file's directory). */
    readonly baseDirectory: string;
  }
>;

/** A pipeline step: reads artifacts of earlier steps, writes new ones. */
export interface StepDefinition<Schema extends OptionsSchema = OptionsSchema> {
  description?: string;
  options: Schema;
  /** Artifact names this step reads, for validation before anything runs. */
  references?(options: z.output<Schema>): string[];
  run(options: z.output<Schema>, context: StepContext): Promise<StepResult>;
}

/** A tfjs layer class that can be serialised (`static className`). */
export interface SerializableLayerClass {
  className: string;
  new (...args: never[]): unknown;
}

/** Plugin identity. `runtime` is a semver range of `@core/runtime` it works with. */
export interface PluginMeta {
  name: string;
  version: string;
  runtime: string;
  description?: string;
}

/** A plugin: named components under sections. Keys become `<meta.name>:<key>` in config. */
export interface Plugin {
  meta: PluginMeta;
  models?: Record<string, ModelDefinition<any>>;
  losses?: Record<string, LossDefinition<any>>;
  trainers?: Record<string, TrainerDefinition<any>>;
  steps?: Record<string, StepDefinition<any>>;
  datasets?: Record<string, DatasetDefinition<any>>;
  environments?: Record<string, EnvironmentDefinition<any>>;
  /** Custom tfjs layers, registered for (de)serialisation (under their `className`) when the plugin is used. */
  layers?: SerializableLayerClass[];
}

/** Sections of a {@link Plugin} that hold components. */
export type ComponentKind = 'models' | 'losses' | 'trainers' | 'steps' | 'datasets' | 'environments';

export type { Rng, RngState };
