import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { Rng, RngState } from './rng';

type Awaitable<T> = T | Promise<T>;

/**
 * Version of the contracts below (models, losses, trainers, environments, steps, plugins). A plugin
 * written against another major version of the contracts is rejected when it is registered, through
 * its `meta.runtime` range. Changes to these interfaces are deliberate and treated as breaking.
 */
export const specificationVersion = 'v2';

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/**
 * A labelled data set held in memory: one array of values per field, examples back to back.
 * `@core/datasets`' `ArrayDataset` is one; so is a data set a step generates (KegNet's samples).
 */
export interface Dataset {
  /** Short identifier, e.g. `mnist`. */
  readonly name: string;
  /** `count · product(shape)` values, example-major (NHWC for images). */
  readonly images: Float32Array;
  /** Class index of each example, `count` values in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Shape of one example, e.g. `[28, 28, 1]`. */
  readonly shape: readonly number[];
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  readonly count: number;
  /**
   * Soft targets, `count · numClasses` values (each row a probability vector, e.g. a teacher's
   * softmax outputs), when the data carries them; losses read them as {@link LossContext.targets}.
   */
  readonly targets?: Float32Array;
}

/** A {@link Dataset} of NHWC images: `shape` is `[height, width, channels]` (`@core/datasets`' `ArrayDataset`). */
export interface ImageDataset extends Dataset {
  readonly shape: readonly [number, number, number];
}

/** Per-channel constants applied to images before a model sees them: `(x − mean) / std`. */
export interface Normalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Splits of one data set, as a dataset artifact carries them. */
export interface DatasetSplits {
  readonly train: Dataset;
  readonly validation?: Dataset;
  readonly test?: Dataset;
  /**
   * Normalisation to apply before a model sees the images. Absent: the values are fed as they are
   * (generated samples are already in the model's input space).
   */
  readonly normalization?: Normalization;
}

/** The data a run works on: the config's `data` section, loaded and split. */
export interface RunData {
  readonly name: string;
  readonly train: ImageDataset;
  readonly validation?: ImageDataset;
  readonly test: ImageDataset;
  /** Per-channel mean and std of the training images, applied by trainers when `normalize` is on. */
  readonly normalization?: Normalization;
}

// ---------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------

/** A serialisable description of a model: a registered model key plus its options. */
export interface ModelSpec {
  /** Registered key, e.g. `core:lenet5`, `tas:supernet`. */
  use: string;
  [option: string]: unknown;
}

/** What a model's forward pass takes: one tensor, or named tensors for a model with several inputs. */
export type ModelInputs = tf.Tensor | Readonly<Record<string, tf.Tensor>>;

/**
 * Options of {@link Model.apply}: the training switch, a generator for stochastic forward passes,
 * and a model's own switches (a search temperature, a search mode, routing iterations). A model
 * ignores the switches it does not read.
 */
export interface ApplyOptions {
  /** Training mode: batch norm uses batch statistics and updates its moving averages, dropout is active. */
  training?: boolean;
  /** Seeded generator for the forward pass's own randomness (Gumbel samples, noise). */
  rng?: Rng;
  readonly [option: string]: unknown;
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

/** The group of variables an optimiser trains unless a model says otherwise. */
export const defaultVariableGroup = 'weights';

/** One variable of a {@link Model}, under a name that is the same in every process for the same spec. */
export interface ModelVariable {
  /** Stable name, e.g. `stage1/block0/conv1/kernel` or `arch/width/3`. */
  readonly name: string;
  /** The live variable (assigning it changes the model). */
  readonly variable: tf.Variable;
  /**
   * Which optimiser trains it: `weights` by default; a supernet keeps its architecture logits in
   * `architecture`, a generator/decoder pair in `generator` and `decoder`.
   */
  readonly group: string;
  /** False for state that no optimiser updates (batch-norm moving statistics). */
  readonly trainable: boolean;
}

/**
 * A trainable network. A pruned or decomposed model is a real smaller `Model`, never a mask over a
 * big one. Shapes exclude the batch dimension; images are NHWC.
 */
export interface Model {
  readonly name: string;
  /** How to rebuild this model (checkpoints store it beside the weights). */
  readonly spec: ModelSpec;
  /** Input shape without the batch dimension, e.g. `[28, 28, 1]` (the first input of a multi-input model). */
  readonly inputShape: readonly number[];
  /** Named input shapes of a model with several inputs; {@link Model.apply} then takes a map with these keys. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Output shape without the batch dimension, e.g. `[10]`. */
  readonly outputShape: readonly number[];
  /** Forward pass: `[batch, ...inputShape]` (or a map of such tensors) → `[batch, ...outputShape]`. */
  apply(inputs: ModelInputs, options?: ApplyOptions): tf.Tensor;
  /**
   * One forward pass returning the final output and the outputs of the named layers.
   * Throws {@link InvalidArgumentError} listing the model's layer names when a name is unknown.
   */
  applyWithTaps(inputs: ModelInputs, taps: readonly string[], options?: ApplyOptions): TappedOutput;
  /** Names that {@link Model.applyWithTaps} accepts, in forward order. */
  layerNames(): string[];
  /** Every variable with its stable name, group and trainability, in a fixed order. */
  variables(): readonly ModelVariable[];
  /** Trainable variables, of one group or (without `group`) of all groups. */
  trainableVariables(group?: string): tf.Variable[];
  /** Variables that are state but not trained (batch-norm moving statistics). */
  nonTrainableVariables(): tf.Variable[];
  /** Every variable by stable name (the live variables; do not dispose them). */
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
  /** `[batch, ...inputShape]` (a generator's inputs may be named {@link LossContext.tensors} instead). */
  readonly inputs: tf.Tensor;
  /** `[batch]` int32 class indices, when the data has labels. */
  readonly labels?: tf.Tensor1D;
  /** `[batch, classes]` soft targets of the batch, when the data carries them ({@link Dataset.targets}). */
  readonly targets?: tf.Tensor2D;
  /** The trained model's output, usually logits `[batch, classes]`. */
  readonly outputs: tf.Tensor;
  /**
   * The teacher's (or frozen classifier's) output. Computed without gradient, unless a term of the
   * loss declares `needs.teacherGradient`: then inside the gradient scope, so that gradients flow
   * through the frozen teacher into what produced its inputs (a generator).
   */
  readonly teacherOutputs?: tf.Tensor;
  /** Tapped layers of the trained model, by layer name. */
  readonly features: Readonly<Record<string, tf.Tensor>>;
  /** Tapped teacher layers, by layer name. */
  readonly teacherFeatures: Readonly<Record<string, tf.Tensor>>;
  /**
   * Further named tensors a trainer provides (a generator's `noise` and `samples`, a decoder's
   * `reconstruction`); a loss lists the names it reads in `needs.tensors`.
   */
  readonly tensors: Readonly<Record<string, tf.Tensor>>;
  readonly epoch: number;
  readonly step: number;
}

/** What a loss term reads, so a trainer computes only that and validation can check it. */
export interface LossNeeds {
  /** Reads `teacherOutputs`. */
  teacher?: boolean;
  /** Needs gradients through the teacher (a generator trained against a frozen classifier). Implies `teacher`. */
  teacherGradient?: boolean;
  /** Reads `labels`. */
  labels?: boolean;
  /** Reads `targets` (soft labels carried by the data). */
  targets?: boolean;
  /** Names of {@link LossContext.tensors} it reads. */
  tensors?: readonly string[];
}

/** A named scalar objective. Losses compose as a weighted sum in config. */
export interface Loss {
  readonly name: string;
  /** Returns a scalar; called inside the optimiser's gradient scope. */
  compute(context: LossContext): tf.Scalar;
  /** Layers whose outputs this loss reads from {@link LossContext.features} / `teacherFeatures`. */
  readonly taps?: { readonly student?: readonly string[]; readonly teacher?: readonly string[] };
  /** What the loss reads besides the trained model's outputs. */
  readonly needs?: LossNeeds;
  /** Trainable variables owned by the loss (e.g. a FitNet regressor), trained with the model. */
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

/** Large binary state of a trainer (a replay memory), by name. */
export type TrainerBuffers = Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>;

/**
 * The body of a training loop: supervised, distillation, architecture search (alternating weight and
 * architecture updates inside `trainBatch`), generator training against a frozen model, or an agent
 * acting in an environment (a "batch" is one environment step). The shared engine around it handles
 * events, NaN checks, interruption, checkpoints and resuming.
 *
 * Metrics: the engine reports, per epoch, the mean of each metric over the batches that reported
 * it, so a metric reported only when an episode ends (`episode_return`) is a mean over episodes.
 */
export interface Trainer {
  readonly name: string;
  readonly epochs: number;
  /** Number of batches of an epoch (0-based epoch). */
  batchesPerEpoch(epoch: number): number;
  /** Called at the start of each epoch with that epoch's generator (shuffling, augmentation). */
  startEpoch?(epoch: number, rng: Rng): Awaitable<void>;
  /** One update. Returns scalar metrics; every value is checked for NaN/Infinity. */
  trainBatch(position: LoopPosition, rng: Rng): Awaitable<Metrics>;
  /** End-of-epoch evaluation (validation metrics, prefixed by the caller with `val_`). */
  evaluate?(epoch: number): Awaitable<Metrics>;
  /** Every tensor that defines the loop's state (weights, optimiser slots, loss variables), as new tensors the caller disposes. */
  getState(): tf.NamedTensorMap;
  /** Restores {@link Trainer.getState}. */
  setState(state: tf.NamedTensorMap): void;
  /** JSON-serialisable state beyond tensors (schedule position, environment state, buffer cursors). */
  getExtraState?(): unknown;
  setExtraState?(state: unknown): void;
  /**
   * Large binary state (a replay memory of 10⁵–10⁶ transitions), written raw beside the tensor
   * checkpoint in the same atomic write and restored with it. The arrays are only read.
   */
  getBuffers?(): TrainerBuffers;
  /** Restores {@link Trainer.getBuffers} (the arrays are the caller's copies; keep or copy them). */
  setBuffers?(buffers: TrainerBuffers): void;
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
// Reinforcement-learning environments (after Gymnasium's `Env`)
// ---------------------------------------------------------------------------

/** Observation or action space. */
export type Space =
  | { kind: 'discrete'; n: number }
  | { kind: 'box'; shape: readonly number[]; low: number | readonly number[]; high: number | readonly number[] };

/** Free-form diagnostics of a reset or step (Gymnasium's `info`). */
export type EnvironmentInfo = Record<string, unknown>;

/** Options of {@link Environment.reset}. */
export interface EnvironmentResetOptions {
  /** Seeds the environment's own generator; given once, on the first reset. Later resets continue its sequence. */
  seed?: number;
  /** Environment-specific reset options. */
  options?: Record<string, unknown>;
}

/** Result of {@link Environment.reset}. */
export interface EnvironmentReset<Observation = Float32Array> {
  observation: Observation;
  info: EnvironmentInfo;
}

/** Result of {@link Environment.step}. */
export interface EnvironmentStep<Observation = Float32Array> {
  observation: Observation;
  reward: number;
  /** The episode reached a terminal state: nothing to bootstrap from. */
  terminated: boolean;
  /** The episode was cut (a time limit) in a non-terminal state: bootstrap from `observation`. */
  truncated: boolean;
  info: EnvironmentInfo;
}

/**
 * An episodic environment, shaped after Gymnasium's `Env` (0.26+): seeded once in `reset({ seed })`,
 * then owning its generator; `step` returns `terminated` and `truncated` separately.
 */
export interface Environment<Observation = Float32Array, Action = number> {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  reset(options?: EnvironmentResetOptions): EnvironmentReset<Observation>;
  step(action: Action): EnvironmentStep<Observation>;
  /** Releases what the environment holds. */
  close?(): void;
  /** JSON-serialisable state (position, generator state, step count), so a run killed mid-episode resumes to the same numbers. */
  getState?(): unknown;
  setState?(state: unknown): void;
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

/** Minimal logger handed to components. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

/** Shapes a model is built for. Both optional: models that need them say so when they are missing. */
export interface ModelShapeContext {
  /** Input shape without the batch dimension (the data's, unless given). */
  inputShape?: readonly number[];
  /** Output units: classes of a classifier, actions of a Q-network (the data's class count, unless given). */
  numClasses?: number;
  name?: string;
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
  createModel(spec: ModelSpec, options?: ModelShapeContext): Model;
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
  /** The run's data; reading it when the config has no `data` section throws a {@link ConfigError} saying so. */
  readonly data: RunData;
  /** Whether the config has a `data` section. */
  readonly hasData: boolean;
  readonly events: TrainingEvents;
  readonly signal: AbortSignal;
  /** Builds a loss from a config spec. */
  createLoss(spec: LossSpec): Loss;
  /** Builds a registered trainer from a config spec (`{ use, ...options }`). */
  createTrainer(spec: ComponentSpec): Trainer;
  /** Builds a registered environment from a config spec (`{ use, ...options }`). */
  createEnvironment(spec: ComponentSpec): Environment<unknown, unknown>;
  /** Resolves a step option that is either an artifact name (a model or architecture from an earlier step) or a model spec. */
  resolveModel(reference: string | ModelSpec, options?: ModelShapeContext): Model;
  /**
   * Resolves a data option: an earlier step's dataset artifact by name, or (`undefined`) the run's
   * data, as splits with the normalisation to apply.
   */
  resolveData(reference?: string): DatasetSplits;
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
  /** How many checkpoints to keep, the latest included (default: the config's `checkpoints.keep`, 2). */
  keepCheckpoints?: number;
  /**
   * The divergence guard for this loop (default: the config's `divergence`); `false` turns it off.
   * NaN and infinite metrics always stop training.
   */
  divergence?: DivergenceOptions | false;
}

/**
 * When training counts as diverged although its numbers are finite (in the spirit of PyTorch
 * Lightning's `EarlyStopping(divergence_threshold=…)`): the step then stops with a
 * `DivergenceError` and the last checkpoint stays as it was.
 */
export interface DivergenceOptions {
  /** The batch metric watched (default `loss`); a trainer that does not report it is not watched. */
  monitor?: string;
  /** Stop as soon as a batch's value has a magnitude above this; `null` turns the bound off (default 1e6). */
  threshold?: number | null;
  /**
   * Stop when an epoch's mean exceeds this factor times the lowest positive mean of the epochs
   * before it, e.g. 100; `null` or absent turns the rule off (the default: losses such as a Q-network's
   * TD error may grow legitimately from a tiny start).
   */
  factor?: number | null;
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

/** What a model factory receives besides the component context. */
export interface ModelFactoryContext extends ComponentContext {
  /** The data's (or the caller's) input shape, when known. */
  inputShape?: readonly number[];
  /** The data's class count (or the caller's output units), when known. */
  numClasses?: number;
  name: string;
  /** The spec this model is built from (`use` plus parsed options); store it as {@link Model.spec}. */
  spec: ModelSpec;
}

/** Model factory: receives the data's input shape and class count when known. */
export type ModelDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Model, ModelFactoryContext>;
export type LossDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Loss>;
export type TrainerDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Trainer, StepContext>;
export type EnvironmentDefinition<Schema extends OptionsSchema = OptionsSchema> = ComponentDefinition<Schema, Environment<any, any>>;

/** A dataset definition: loads train and test splits. */
export interface DatasetDefinition<Schema extends OptionsSchema = OptionsSchema>
  extends ComponentDefinition<
    Schema,
    Promise<{ readonly train: ImageDataset; readonly test: ImageDataset }>,
    {
      readonly logger: Logger;
      /** Directory relative paths in the options resolve against (the config file's directory). */
      readonly baseDirectory: string;
    }
  > {
  /** Short names accepted in `data.dataset` (`mnist` for `core:mnist`); unique across loaded plugins. */
  aliases?: readonly string[];
}

/** A pipeline step: reads artifacts of earlier steps, writes new ones. */
export interface StepDefinition<Schema extends OptionsSchema = OptionsSchema> {
  description?: string;
  /**
   * Strict schema of the options. Options that name artifacts of earlier steps use the reference
   * schemas (`modelReference`, `artifactReference`, `dataReference`), which validation walks: a
   * missing, later or wrong-kind reference, or a data-less run, is reported before anything runs.
   */
  options: Schema;
  /**
   * Whether the step reads the run's `data` section. Default: when a `dataReference` option is
   * left out. Steps that always evaluate on the run's data (`core:evaluate`) say `true`.
   */
  needsData?: boolean | ((options: z.output<Schema>) => boolean);
  /**
   * Artifacts the step produces, by name and kind, so validation can check references to them.
   * A kind alone means one artifact named after the step id. Default: the step id, kind unknown.
   */
  produces?: ArtifactKind | ((options: z.output<Schema>, id: string) => Record<string, ArtifactKind>);
  run(options: z.output<Schema>, context: StepContext): Promise<StepResult>;
}

/** A tfjs layer class that can be serialised: a plugin-qualified `static className` and `fromConfig`. */
export interface SerializableLayerClass {
  /** `<plugin>.<Name>`, e.g. `rkd.L2Normalization`: tfjs writes only this into model.json. */
  className: string;
  new (...args: never[]): { getConfig(): object };
  fromConfig(...args: never[]): unknown;
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
  /**
   * Custom tfjs layers, registered for (de)serialisation under their `className` when the plugin is
   * used (idempotent; a same-named class of another plugin is an error).
   */
  layers?: SerializableLayerClass[];
}

/** Sections of a {@link Plugin} that hold components. */
export type ComponentKind = 'models' | 'losses' | 'trainers' | 'steps' | 'datasets' | 'environments';

export type { Rng, RngState };
