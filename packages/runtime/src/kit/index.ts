/**
 * The plugin kit: what every plugin step repeats, written once. Training setup ({@link trainModel}),
 * one optimiser step on a weighted loss ({@link lossUpdate}), checkpointable training state,
 * stop-gradient, option parsing with the toolkit's error messages, model-option filling and
 * per-layer seeds, and the reference schemas that validation walks.
 */
export { trainModel, modelSizeMetrics, type TrainModelOptions, type TrainingParts, type TrainedModel } from './train-model';
export { lossUpdate, type LossUpdateOptions } from './loss-update';
export {
  createVariableNaming,
  getOptimizerState,
  getTrainingState,
  setOptimizerState,
  setTrainingState,
  type TrainingStateParts,
  type VariableNaming,
} from './training-state';
export { stopGradient, withoutGradient } from '../training/stop-gradient';
export { describeZodIssues, formatPath, parseComponentOptions, parseOptions } from '../zod-issues';
export { createLayerSeeds, fillModelOptions, parseModelOptions, randomSeed, requireInputShape, requireShapes } from '../models/model-options';
export { artifactReference, componentSpec, dataReference, lossSpec, modelReference, findReferences, referenceMarkOf, type FoundReference, type ReferenceMark } from '../references';
