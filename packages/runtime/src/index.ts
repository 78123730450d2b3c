export * from './contracts';
export * from './define';
export * from './errors';
export * from './rng';
export { RUNTIME_VERSION } from './version';
export { satisfiesRange } from './semver';
export { closestMatch, didYouMean, editDistance } from './did-you-mean';
export { createRegistry, componentKindLabels, type Registry, type CreateRegistryOptions, type RegisteredComponent, type DefinitionOf } from './registry';
export * from './config-schema';
export { validateConfig, type ValidatedConfig } from './config-validate';
export { registerPluginLayers } from './plugin-layers';
export * from './kit';
export { loadConfigFile, parseConfigText, type LoadedConfig } from './config-load';
export { findInstalledPlugins, loadPlugins, pluginKeyword, type LoadedPlugins } from './plugin-load';
export * from './backends';
export * from './models';
export * from './io';
export * from './training';
export { runTrainingLoop, type TrainingLoopContext } from './engine/fit';
export {
  readCheckpoint,
  writeCheckpoint,
  CHECKPOINT_VERSION,
  DEFAULT_KEEP_CHECKPOINTS,
  type LoopState,
  type LoadedCheckpoint,
  type SkippedCheckpoint,
  type WriteCheckpointOptions,
} from './engine/checkpoint';
export { createDivergenceGuard, DEFAULT_DIVERGENCE_THRESHOLD, type DivergenceGuard, type DivergenceViolation } from './engine/divergence-guard';
export { acquireRunLock, runLockFile, type AcquireRunLockOptions, type RunLock } from './engine/run-lock';
export { combineEvents, createMetricsLogger } from './engine/events';
export { createProgressReporter, type ProgressReporterOptions, type TextStream } from './engine/progress';
export { createArtifactStore, type MutableArtifactStore } from './engine/artifacts';
export {
  prepareConfig,
  resumeRun,
  runPipeline,
  createModelFromRegistry,
  type ConfigSource,
  type PreparedConfig,
  type RunOptions,
  type RunSummary,
  type StepSummary,
} from './engine/runner';
export { createClassifierTrainer, type ClassifierTrainerOptions } from './builtins/classifier-trainer';
export { corePlugin } from './builtins/core-plugin';
export { coreStepDefinitions, trainStepOptions, distillStepOptions, evaluateStepOptions, exportStepOptions } from './builtins/steps';
export { coreDatasetDefinitions } from './builtins/datasets';
export * from './figures';
