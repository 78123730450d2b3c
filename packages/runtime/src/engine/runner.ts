import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { computeChannelStats, take, validationSplit, type ArrayDataset } from '@core/datasets';
import { stringify as stringifyYaml } from 'yaml';
import { selectBackend, type BackendInfo } from '../backends';
import { loadConfigFile, type LoadedConfig } from '../config-load';
import type { RunConfig, StepConfig } from '../config-schema';
import { validateConfig, type ValidatedConfig } from '../config-validate';
import type {
  Artifact,
  ComponentContext,
  ComponentSpec,
  DatasetSplits,
  Logger,
  LossSpec,
  Metrics,
  Model,
  ModelShapeContext,
  ModelSpec,
  Plugin,
  RunData,
  StepContext,
  TrainingEvents,
} from '../contracts';
import { ArtifactError, CheckpointError, ConfigError, CoreError } from '../errors';
import { atomicWriteFile, describeFileSystemError } from '../io';
import { loadPlugins } from '../plugin-load';
import { createRegistry, type DefinitionOf, type Registry } from '../registry';
import type { ZodType } from 'zod';
import { createRng, type Rng } from '../rng';
import { parseComponentOptions } from '../zod-issues';
import { buildLoss } from './build-loss';
import { createArtifactStore, loadArtifacts, saveArtifacts, type MutableArtifactStore } from './artifacts';
import { combineEvents, createMetricsLogger } from './events';
import { runTrainingLoop } from './fit';
import { createRunDirectory } from './run-directory';
import { looksLikeRun, readRunFile, removeStaleTemporaries } from './run-files';
import { acquireRunLock } from './run-lock';
import { writeReport } from './report';

/** Where a config comes from: a file path, or an object with the directory its relative paths use. */
export type ConfigSource = string | { config: unknown; directory?: string };

/** Options of {@link runPipeline}. */
export interface RunOptions {
  /** Plugins given in code, used in addition to the packages the config lists. */
  plugins?: Plugin[];
  /** Listeners: progress bars, loggers. The runner always writes `metrics.jsonl` itself. */
  events?: TrainingEvents;
  /** Aborting writes a checkpoint at the next batch boundary and stops the run. */
  signal?: AbortSignal;
  /** Create the run directory here instead of `<output>/<name>-<timestamp>`. Must not exist. */
  runDirectory?: string;
}

/** Per-step entry of a run's summary. */
export interface StepSummary {
  use: string;
  status: 'done' | 'running' | 'failed' | 'interrupted' | 'pending';
  seconds?: number;
  metrics?: Metrics;
  error?: string;
}

/** Contents of `summary.json`. */
export interface RunSummary {
  name: string;
  runDirectory: string;
  seed: number;
  backend: BackendInfo | undefined;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  started: string;
  finished?: string;
  seconds: number;
  plugins: string[];
  steps: Record<string, StepSummary>;
  models: Record<string, { params: number; trainableParams: number; flops: number }>;
}

/** Result of {@link prepareConfig}. */
export interface PreparedConfig extends ValidatedConfig {
  registry: Registry;
  source: LoadedConfig;
}

function makeLogger(events: TrainingEvents): Logger {
  return {
    info: (message) => void events.onLog?.(message, 'info'),
    warn: (message) => void events.onLog?.(message, 'warn'),
  };
}

async function readSource(source: ConfigSource): Promise<LoadedConfig> {
  if (typeof source === 'string') return loadConfigFile(source);
  return { raw: source.config, directory: path.resolve(source.directory ?? process.cwd()) };
}

/**
 * Loads the config, imports its plugins into a fresh registry, freezes it and validates the whole
 * config. Throws one {@link ConfigError} listing every problem; creates no file and no tensor.
 */
export async function prepareConfig(source: ConfigSource, options: { plugins?: Plugin[] } = {}): Promise<PreparedConfig> {
  const loaded = await readSource(source);
  const label = loaded.file ?? 'config';
  const rawPlugins = (loaded.raw as { plugins?: unknown })?.plugins;
  const names = Array.isArray(rawPlugins) ? rawPlugins.filter((name): name is string => typeof name === 'string') : [];
  const registry = createRegistry();
  const { plugins, issues } = await loadPlugins(names, { directories: [loaded.directory] });
  for (const plugin of [...(options.plugins ?? []), ...plugins]) {
    if (registry.plugins().some((existing) => existing.meta.name === plugin.meta.name)) continue;
    try {
      registry.use(plugin);
    } catch (error) {
      issues.push({ path: 'plugins', message: (error as Error).message });
    }
  }
  registry.freeze();
  try {
    const validated = validateConfig(loaded.raw, registry, { source: label });
    if (issues.length > 0) throw new ConfigError(issues, { source: label });
    return { ...validated, registry, source: loaded };
  } catch (error) {
    if (ConfigError.isInstance(error) && issues.length > 0 && error.issues !== issues) {
      throw new ConfigError([...issues, ...error.issues], { source: label });
    }
    throw error;
  }
}

async function loadRunData(config: RunConfig, registry: Registry, rng: Rng, logger: Logger, baseDirectory: string): Promise<RunData | undefined> {
  if (!config.data) return undefined;
  const spec = config.data.dataset as { use: string; [key: string]: unknown };
  const { use, ...datasetOptions } = spec;
  const definition = registry.get('datasets', use);
  const splits = await definition.create(datasetOptions, { logger, baseDirectory });
  let train: ArrayDataset = splits.train;
  let test: ArrayDataset = splits.test;
  if (config.data.limit?.train !== undefined) train = take(train, config.data.limit.train);
  if (config.data.limit?.test !== undefined) test = take(test, config.data.limit.test);
  let validation: ArrayDataset | undefined;
  if (config.data.validation > 0) {
    const split = validationSplit(train, config.data.validation, rng.fork('validation-split'));
    train = split.train;
    validation = split.validation;
  }
  const normalization = config.data.normalize ? computeChannelStats(train) : undefined;
  logger.info(
    `data ${use}: ${train.count} train, ${validation?.count ?? 0} validation, ${test.count} test, shape ${train.shape.join('x')}, ${train.numClasses} classes`,
  );
  return { name: train.name, train, validation, test, normalization };
}

interface RunState {
  /** Seconds spent in earlier sessions of this run (before a resume). */
  seconds?: number;
  /** Plugins were passed in code (not only listed in the config): resuming needs them again. */
  pluginsInCode?: string[];
  configFile?: string;
  configDirectory: string;
  steps: Record<string, StepSummary>;
}

/**
 * Runs a pipeline: validates the config, creates a new run directory, selects the backend, loads
 * the data and runs each step in order, passing artifacts by name. Writes the resolved config,
 * `metrics.jsonl`, per-step checkpoints, exports, `summary.json` and `report.md`.
 */
export async function runPipeline(source: ConfigSource, options: RunOptions = {}): Promise<RunSummary> {
  const prepared = await prepareConfig(source, options);
  // Select the backend before creating anything, so an unavailable backend leaves no directory behind.
  const backend = await selectBackend(prepared.config.backend, { tf, threads: prepared.config.threads });
  // Load the data before creating anything too: a missing file fails fast and leaves no run behind.
  const data = await loadRunData(prepared.config, prepared.registry, createRng(prepared.config.seed).fork('data'), makeLogger(options.events ?? {}), prepared.source.directory);
  const parent = path.resolve(prepared.source.directory, prepared.config.output);
  let runDirectory: string;
  if (options.runDirectory) {
    runDirectory = path.resolve(options.runDirectory);
    if (existsSync(runDirectory)) {
      throw new CoreError('E_RUN_EXISTS', `run directory ${runDirectory} already exists; choose another, or continue it with core-run resume ${runDirectory}.`);
    }
    await mkdir(runDirectory, { recursive: true });
  } else {
    runDirectory = await createRunDirectory(parent, prepared.config.name);
  }
  const lock = await acquireRunLock(runDirectory, { command: 'run', logger: makeLogger(options.events ?? {}) });
  try {
    const state: RunState = {
      configFile: prepared.source.file,
      configDirectory: prepared.source.directory,
      pluginsInCode: options.plugins?.map((plugin) => plugin.meta.name),
      steps: {},
    };
    try {
      await atomicWriteFile(path.join(runDirectory, 'config.yaml'), stringifyYaml(prepared.source.raw));
      await atomicWriteFile(path.join(runDirectory, 'config.resolved.json'), `${JSON.stringify(prepared.config, null, 2)}\n`);
      await atomicWriteFile(path.join(runDirectory, 'run.json'), `${JSON.stringify(state, null, 2)}\n`);
    } catch (error) {
      // Before run.json exists there is nothing to resume: the advice is to start again.
      throw explainFailure(error, undefined);
    }
    return await executeRun(prepared, runDirectory, state, options, false, backend, data);
  } finally {
    await lock.release();
  }
}

/**
 * Continues an interrupted or failed run in place: finished steps are restored from their saved
 * artifacts, the unfinished step continues from its last checkpoint, and the numbers end the same as
 * an uninterrupted run's.
 */
export async function resumeRun(runDirectory: string, options: RunOptions = {}): Promise<RunSummary> {
  const directory = path.resolve(runDirectory);
  const runFile = path.join(directory, 'run.json');
  if (!existsSync(runFile) && !looksLikeRun(directory)) {
    throw new CoreError('E_NOT_A_RUN', `${directory} is not a run directory (no run.json). Pass a directory that core-run run created, e.g. runs/quickstart-20260101-120000.`);
  }
  // One writer per run directory: taken before reading anything, held until the run ends.
  const lock = await acquireRunLock(directory, { command: 'resume', logger: makeLogger(options.events ?? {}) });
  try {
    let state: RunState | undefined;
    let prepared: PreparedConfig;
    let backend: BackendInfo;
    let data: RunData | undefined;
    try {
      await removeStaleTemporaries(directory);
      state = await readRunFile<RunState>(directory, 'run.json');
      const resolved = await readRunFile<unknown>(directory, 'config.resolved.json');
      prepared = await prepareConfig({ config: resolved, directory: state.configDirectory }, options);
      backend = await selectBackend(prepared.config.backend, { tf, threads: prepared.config.threads });
      data = await loadRunData(prepared.config, prepared.registry, createRng(prepared.config.seed).fork('data'), makeLogger(options.events ?? {}), prepared.source.directory);
    } catch (error) {
      throw explainFailure(error, state ? resumeHintOf(directory, state) : `core-run resume ${directory}`);
    }
    return await executeRun(prepared, directory, state, options, true, backend, data);
  } finally {
    await lock.release();
  }
}

/**
 * A failed file operation, as one line that names the file, says what happened and how to go on;
 * the files written before it are intact (every write is atomic). Other errors pass unchanged.
 */
function explainFailure(error: unknown, next: string | undefined): unknown {
  return describeFileSystemError(error, { next, note: next ? 'Everything written before is intact.' : undefined });
}

async function executeRun(
  prepared: PreparedConfig,
  runDirectory: string,
  state: RunState,
  options: RunOptions,
  resumed: boolean,
  backend: BackendInfo,
  data: RunData | undefined,
): Promise<RunSummary> {
  const { config, registry } = prepared;
  const started = Date.now();
  const events = combineEvents(createMetricsLogger(runDirectory), options.events);
  const logger = makeLogger(events);
  const signal = options.signal ?? new AbortController().signal;
  const summary: RunSummary = {
    name: config.name,
    runDirectory,
    seed: config.seed,
    backend: undefined,
    status: 'running',
    started: new Date(started).toISOString(),
    seconds: 0,
    plugins: registry.plugins().map((plugin) => `${plugin.meta.name}@${plugin.meta.version}`),
    steps: Object.fromEntries(config.steps.map((step) => [step.id, state.steps[step.id] ?? { use: step.use, status: 'pending' as const }])),
    models: {},
  };
  const secondsBefore = state.seconds ?? 0;
  // A finished run stays finished: a resume that fails (a damaged artifact) does not rewrite its summary.
  const finishedBefore = resumed && config.steps.every((step) => state.steps[step.id]?.status === 'done');
  const writeSummary = async () => {
    summary.seconds = secondsBefore + (Date.now() - started) / 1000;
    await atomicWriteFile(path.join(runDirectory, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    await atomicWriteFile(path.join(runDirectory, 'run.json'), `${JSON.stringify({ ...state, steps: summary.steps, seconds: summary.seconds }, null, 2)}\n`);
  };

  summary.backend = backend;
  for (const fallback of backend.fallbacks) {
    const missing = /Cannot find (package|module)/.test(fallback.reason);
    if (missing && fallback.name.includes('gpu')) continue;
    logger.info(
      missing
        ? `backend ${fallback.name}: not installed (optional; install @tensorflow/tfjs-node where it can be built for native speed)`
        : `backend ${fallback.name} not used: ${fallback.reason}`,
    );
  }
  await events.onRunStart?.({ runDirectory, backend: backend.name, threads: backend.threads, seed: config.seed, steps: config.steps.map((step) => step.id), resumed });

  const rootRng = createRng(config.seed);
  const artifacts = createArtifactStore();
  try {
    for (const [index, step] of config.steps.entries()) {
      if (signal.aborted) throw abortError(runDirectory);
      const stepDirectory = path.join(runDirectory, 'steps', step.id);
      const resumeHint = resumeHintOf(runDirectory, state);
      const context = createStepContext({ step, registry, runDirectory, stepDirectory, data, artifacts, events, logger, signal, backend: backend.name, rootRng, resumeHint, keepCheckpoints: config.checkpoints?.keep, divergence: config.divergence });
      const previous = summary.steps[step.id];
      if (resumed && previous?.status === 'done') {
        const restored = await loadArtifacts(path.join(stepDirectory, 'artifacts'), context.createModel).catch((error: unknown) => {
          if (!CheckpointError.isInstance(error)) throw error;
          throw new CheckpointError(
            error.path,
            `step "${step.id}" finished earlier, but its saved results cannot be restored: ${error.message.replace(/\s*Restore it or use an earlier checkpoint\.$/, '')} ` +
              `Delete ${stepDirectory} to train the step again (the result is the same), then continue with: ${resumeHint}`,
            { cause: error },
          );
        });
        if (restored) {
          for (const [name, artifact] of Object.entries(restored)) artifacts.set(name, artifact);
          recordModels(summary, restored);
          await events.onLog?.(`${step.id}: finished earlier, restored ${Object.keys(restored).join(', ') || 'nothing'}`, 'info');
          continue;
        }
      }
      const continuing = resumed && previous !== undefined && ['running', 'interrupted', 'failed'].includes(previous.status);
      await events.onStageStart?.({ stage: step.id, use: step.use, index, total: config.steps.length, resumed: continuing });
      summary.steps[step.id] = { use: step.use, status: 'running' };
      await writeSummary();
      const stepStarted = Date.now();
      const definition = registry.get('steps', step.use);
      const { id: _id, use: _use, ...stepOptions } = step;
      let result;
      try {
        result = await definition.run(stepOptions, context);
      } catch (caught) {
        const error = explainFailure(caught, resumeHint);
        const interrupted = CoreError.isInstance(error) && error.code === 'E_RUN_INTERRUPTED';
        summary.steps[step.id] = { use: step.use, status: interrupted ? 'interrupted' : 'failed', error: (error as Error).message };
        throw error;
      }
      const produced = result.artifacts ?? {};
      for (const [name, artifact] of Object.entries(produced)) artifacts.set(name, artifact);
      await saveArtifacts(path.join(stepDirectory, 'artifacts'), produced);
      recordModels(summary, produced);
      const seconds = (Date.now() - stepStarted) / 1000;
      summary.steps[step.id] = { use: step.use, status: 'done', seconds, metrics: result.metrics ?? {} };
      await writeSummary();
      await events.onStageEnd?.({ stage: step.id, use: step.use, metrics: result.metrics ?? {}, seconds });
    }
    summary.status = 'done';
    summary.finished = new Date().toISOString();
    await writeSummary();
    await writeReport(runDirectory, summary);
    await events.onRunEnd?.({ runDirectory, summary });
    return summary;
  } catch (caught) {
    const error = explainFailure(caught, resumeHintOf(runDirectory, state));
    if (finishedBefore) throw error;
    summary.status = CoreError.isInstance(error) && error.code === 'E_RUN_INTERRUPTED' ? 'interrupted' : 'failed';
    await writeSummary().catch(() => undefined);
    throw error;
  } finally {
    artifacts.dispose();
  }
}

/** How to continue a run: the CLI command, or the call for a run whose plugins were passed in code. */
function resumeHintOf(runDirectory: string, state: RunState): string {
  return state.pluginsInCode?.length
    ? `resumeRun(${JSON.stringify(runDirectory)}, { plugins: [/* ${state.pluginsInCode.join(', ')} */] })`
    : `core-run resume ${runDirectory}`;
}

function buildComponent<K extends 'trainers' | 'environments'>(
  registry: Registry,
  kind: K,
  spec: ComponentSpec,
  componentContext: ComponentContext,
  stepContext: StepContext,
): ReturnType<DefinitionOf<K>['create']> {
  const { use, ...rest } = spec;
  const definition = registry.get(kind, use) as { options: ZodType; create(options: unknown, context: unknown): unknown };
  const options = parseComponentOptions(definition.options, rest, `${kind === 'trainers' ? 'trainer' : 'environment'} ${use}`);
  const context = kind === 'trainers' ? stepContext : { ...componentContext, rng: componentContext.rng.fork(`${kind}/${use}`) };
  return definition.create(options, context) as ReturnType<DefinitionOf<K>['create']>;
}

function abortError(runDirectory: string): CoreError {
  return new CoreError('E_RUN_INTERRUPTED', `run interrupted between steps. Resume with: core-run resume ${runDirectory}`);
}

function recordModels(summary: RunSummary, artifacts: Record<string, Artifact>): void {
  for (const [name, artifact] of Object.entries(artifacts)) {
    if (artifact.kind !== 'model') continue;
    const model = artifact.model;
    const info = model.summary();
    summary.models[name] = { params: info.params, trainableParams: info.trainableParams, flops: info.flops };
  }
}

interface StepContextInput {
  step: StepConfig;
  registry: Registry;
  runDirectory: string;
  stepDirectory: string;
  data: RunData | undefined;
  artifacts: MutableArtifactStore;
  events: TrainingEvents;
  logger: Logger;
  signal: AbortSignal;
  backend: string;
  rootRng: Rng;
  resumeHint: string;
  keepCheckpoints?: number;
  divergence?: RunConfig['divergence'];
}

/** Builds a model from a spec through the registry, validating its options. */
export function createModelFromRegistry(registry: Registry, base: Omit<ComponentContext, 'createModel'>, spec: ModelSpec, options: ModelShapeContext = {}): Model {
  const { use, ...rest } = spec;
  const definition = registry.get('models', use);
  const parsed = parseComponentOptions(definition.options, rest, `model ${use}`) as Record<string, unknown>;
  const fullSpec: ModelSpec = { use, ...parsed };
  const context: ComponentContext = { ...base, createModel: (inner, innerOptions) => createModelFromRegistry(registry, base, inner, innerOptions) };
  // Shapes are passed on when known; a model that needs them and has none says so itself.
  return definition.create(parsed, {
    ...context,
    inputShape: options.inputShape,
    numClasses: options.numClasses,
    name: options.name ?? use.replace(/[^\w]/g, '_'),
    spec: fullSpec,
  });
}

function createStepContext(input: StepContextInput): StepContext {
  const { step, registry, data, artifacts, events, logger, signal, backend, rootRng } = input;
  const componentRng = rootRng.fork(`${step.id}/components`);
  const base = { tf, rng: componentRng, logger, backend };
  const createModel: ComponentContext['createModel'] = (spec, options = {}) =>
    createModelFromRegistry(registry, base, spec, {
      inputShape: options.inputShape ?? data?.train.shape,
      numClasses: options.numClasses ?? data?.train.numClasses,
      name: options.name,
    });
  const context: StepContext = {
    ...base,
    createModel,
    id: step.id,
    use: step.use,
    runDirectory: input.runDirectory,
    stepDirectory: input.stepDirectory,
    artifacts,
    get data(): RunData {
      if (!data) {
        throw new ConfigError([{ path: 'data', message: `step "${step.id}" (${step.use}) needs data: add a "data" section, e.g. data: { dataset: mnist }.` }]);
      }
      return data;
    },
    hasData: data !== undefined,
    resolveData(reference?: string): DatasetSplits {
      if (reference === undefined) {
        const runData = context.data;
        return { train: runData.train, validation: runData.validation, test: runData.test, ...(runData.normalization ? { normalization: runData.normalization } : {}) };
      }
      return artifacts.get(reference, 'dataset').dataset;
    },
    events,
    signal,
    createLoss: (spec: LossSpec) => buildLoss(registry, { ...base, createModel }, spec),
    createTrainer: (spec) => buildComponent(registry, 'trainers', spec, context, context),
    createEnvironment: (spec) => buildComponent(registry, 'environments', spec, { ...base, createModel }, context),
    resolveModel(reference, options = {}) {
      if (typeof reference !== 'string') return createModel(reference as ModelSpec, { ...options, name: options.name ?? step.id });
      if (!artifacts.has(reference)) {
        throw new ArtifactError(reference, `step "${step.id}" needs "${reference}", which no earlier step produced. Available: ${artifacts.names().join(', ') || '(none)'}.`);
      }
      const found = artifacts.peek(reference)!;
      if (found.kind === 'architecture') return createModel(found.spec, { ...options, name: options.name ?? step.id });
      if (found.kind === 'model') {
        // A copy: training it must not change the artifact an earlier step produced. Its spec holds its shapes.
        const copy = createModel(found.model.spec, { inputShape: found.model.inputShape, name: options.name ?? step.id });
        try {
          copy.setWeights(found.model.getWeights());
        } catch (error) {
          copy.dispose();
          throw error;
        }
        return copy;
      }
      throw new ArtifactError(reference, `artifact "${reference}" is a ${found.kind}; a model or an architecture is needed here.`);
    },
    fit: (trainer, fitOptions) =>
      runTrainingLoop(
        trainer,
        { stage: step.id, rng: rootRng.fork(`${step.id}/loop`), directory: input.stepDirectory, events, signal, runDirectory: input.runDirectory, resumeHint: input.resumeHint, keepCheckpoints: input.keepCheckpoints, divergence: input.divergence },
        fitOptions,
      ),
  };
  return context;
}
