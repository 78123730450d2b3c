export { softmaxCrossEntropy, type SoftmaxCrossEntropyOptions } from './softmax-cross-entropy';
export { kdLoss, type KdLossOptions } from './kd-loss';
export { distillationLoss, type DistillationLossOptions } from './distillation-loss';
export { softTargetLoss } from './soft-target-loss';
export {
  coreLossDefinitions,
  createCrossEntropyLoss,
  createKdLoss,
  createSoftTargetsLoss,
  crossEntropy,
  crossEntropyOptions,
  kd,
  kdOptions,
  softTargets,
  softTargetsOptions,
  type CrossEntropyOptions,
  type KdOptions,
} from './core-losses';
export { combineLosses, type CombinedLoss, type CombinedLossValue, type WeightedLoss } from './combine-losses';
export { accuracy, topKAccuracy } from './accuracy';
export { evaluateClassifier, type ClassifierEvaluation, type EvaluateClassifierOptions } from './evaluate-classifier';
export {
  createSlottedOptimizer,
  type Optimizer,
  type SlottedOptimizerDefinition,
  type UpdateInputs,
  type VariableUpdate,
} from './optimizer';
export { createSgd, type SgdOptions } from './sgd';
export { createAdam, type AdamOptions } from './adam';
export {
  adamOptions,
  createOptimizer,
  optimizerOptions,
  sgdOptions,
  type OptimizerOptions,
  type OptimizerOptionsInput,
} from './optimizer-options';
export {
  constantScheduleOptions,
  cosineScheduleOptions,
  createSchedule,
  scheduleOptions,
  stepScheduleOptions,
  type LearningRateSchedule,
  type ScheduleContext,
  type ScheduleOptions,
  type ScheduleOptionsInput,
} from './learning-rate-schedule';
