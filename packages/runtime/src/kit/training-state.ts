import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../contracts';
import { CheckpointError } from '../errors';
import type { Optimizer } from '../training/optimizer';

/**
 * Maps tfjs variable names to stable names. tfjs makes variable names unique per process (a
 * second model with the same layer names gets suffixed variables), so optimiser slots keyed by
 * `variable.name` would not find their variables after a resume. Models give stable names
 * ({@link Model.variables}); this table translates between the two.
 */
export interface VariableNaming {
  stableName(variableName: string): string | undefined;
  variableName(stableName: string): string | undefined;
}

/** Builds a {@link VariableNaming} from models (prefix + stable variable name) and extra named variables. */
export function createVariableNaming(entries: Array<{ prefix: string; model: Model }>, extra: Array<{ name: string; variable: tf.Variable }> = []): VariableNaming {
  const toStable = new Map<string, string>();
  const toVariable = new Map<string, string>();
  const add = (variableName: string, stable: string) => {
    toStable.set(variableName, stable);
    toVariable.set(stable, variableName);
  };
  for (const { prefix, model } of entries) {
    for (const { name, variable } of model.variables()) add(variable.name, `${prefix}${name}`);
  }
  for (const { name, variable } of extra) add(variable.name, name);
  return {
    stableName: (variableName) => toStable.get(variableName),
    variableName: (stable) => toVariable.get(stable),
  };
}

/** Optimiser state keyed `<slot>/<stable name>` (new tensors, owned by the caller). */
export function getOptimizerState(optimizer: Optimizer, naming: VariableNaming): tf.NamedTensorMap {
  const state: tf.NamedTensorMap = {};
  for (const [key, tensor] of Object.entries(optimizer.getState())) {
    const slash = key.indexOf('/');
    if (slash < 0) {
      state[key] = tensor;
      continue;
    }
    const stable = naming.stableName(key.slice(slash + 1));
    if (stable === undefined) {
      tensor.dispose();
      continue;
    }
    state[`${key.slice(0, slash)}/${stable}`] = tensor;
  }
  return state;
}

/** Restores state written by {@link getOptimizerState} into an optimiser over the current variables. */
export function setOptimizerState(optimizer: Optimizer, naming: VariableNaming, state: tf.NamedTensorMap): void {
  const translated: tf.NamedTensorMap = {};
  for (const [key, tensor] of Object.entries(state)) {
    const slash = key.indexOf('/');
    if (slash < 0) {
      translated[key] = tensor;
      continue;
    }
    const variableName = naming.variableName(key.slice(slash + 1));
    if (variableName !== undefined) translated[`${key.slice(0, slash)}/${variableName}`] = tensor;
  }
  optimizer.setState(translated);
}

/**
 * What {@link getTrainingState} saves: models, the variables of their losses, and their optimisers.
 * One model and one optimiser is the usual case (`model`, `optimizer`); a supernet with a weight and
 * an architecture optimiser, or a generator and a decoder, name several.
 */
export interface TrainingStateParts {
  /** The trained model, saved as `model/<variable name>`. */
  model?: Model;
  /** Further models by key, each saved as `<key>/<variable name>`. */
  models?: Record<string, Model>;
  /** Trainable variables owned by losses (e.g. a FitNet regressor), saved as `loss/<index>`. */
  lossVariables?: () => tf.Variable[];
  /** The optimiser, saved as `optimizer/<slot>/<stable variable name>`. */
  optimizer?: Optimizer;
  /** Further optimisers by key (one per variable group), each saved as `optimizer.<key>/…`. */
  optimizers?: Record<string, Optimizer>;
}

function modelEntries(parts: TrainingStateParts): Array<{ prefix: string; model: Model }> {
  return [
    ...(parts.model ? [{ prefix: 'model/', model: parts.model }] : []),
    ...Object.entries(parts.models ?? {}).map(([key, model]) => ({ prefix: `${key}/`, model })),
  ];
}

function optimizerEntries(parts: TrainingStateParts): Array<{ prefix: string; optimizer: Optimizer }> {
  return [
    ...(parts.optimizer ? [{ prefix: 'optimizer/', optimizer: parts.optimizer }] : []),
    ...Object.entries(parts.optimizers ?? {}).map(([key, optimizer]) => ({ prefix: `optimizer.${key}/`, optimizer })),
  ];
}

function namingOf(parts: TrainingStateParts): VariableNaming {
  return createVariableNaming(
    modelEntries(parts),
    (parts.lossVariables?.() ?? []).map((variable, index) => ({ name: `loss/${index}`, variable })),
  );
}

/**
 * A trainer's state under names that do not depend on tfjs's process-global variable numbering:
 * `model/<variable name>` (every group, trainable or not), `loss/<index>`,
 * `optimizer/<slot>/<stable name>` and likewise for further models and optimisers (new tensors,
 * owned by the caller). Restores with {@link setTrainingState}, also into models built later or
 * elsewhere.
 */
export function getTrainingState(parts: TrainingStateParts): tf.NamedTensorMap {
  const state: tf.NamedTensorMap = {};
  for (const { prefix, model } of modelEntries(parts)) {
    for (const { name, variable } of model.variables()) state[`${prefix}${name}`] = variable.clone();
  }
  (parts.lossVariables?.() ?? []).forEach((variable, index) => (state[`loss/${index}`] = variable.clone()));
  const naming = namingOf(parts);
  for (const { prefix, optimizer } of optimizerEntries(parts)) {
    for (const [name, tensor] of Object.entries(getOptimizerState(optimizer, naming))) state[`${prefix}${name}`] = tensor;
  }
  return state;
}

/**
 * Restores state written by {@link getTrainingState}.
 *
 * @throws CheckpointError when the state holds a part these parts do not have (another trainer's checkpoint).
 */
export function setTrainingState(parts: TrainingStateParts, state: tf.NamedTensorMap): void {
  const models = modelEntries(parts);
  const optimizers = optimizerEntries(parts);
  const weights = new Map<string, tf.NamedTensorMap>(models.map(({ prefix }) => [prefix, {}]));
  const optimizerStates = new Map<string, tf.NamedTensorMap>(optimizers.map(({ prefix }) => [prefix, {}]));
  const lossVariables = parts.lossVariables?.() ?? [];
  const unknown: string[] = [];
  for (const [name, tensor] of Object.entries(state)) {
    // Optimiser prefixes first: `optimizer.<key>/` must not be read as a model named `optimizer.<key>`.
    const optimizerPrefix = optimizers.find(({ prefix }) => name.startsWith(prefix))?.prefix;
    if (optimizerPrefix !== undefined) {
      optimizerStates.get(optimizerPrefix)![name.slice(optimizerPrefix.length)] = tensor;
      continue;
    }
    if (name.startsWith('loss/')) {
      const variable = lossVariables[Number(name.slice('loss/'.length))];
      if (variable === undefined) unknown.push(name);
      else variable.assign(tensor);
      continue;
    }
    const modelPrefix = models.find(({ prefix }) => name.startsWith(prefix))?.prefix;
    if (modelPrefix !== undefined) weights.get(modelPrefix)![name.slice(modelPrefix.length)] = tensor;
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new CheckpointError(
      '(training state)',
      `the saved training state has parts this trainer does not have: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? `, … (${unknown.length} in all)` : ''}. It was written by another step or configuration; resume with the config that wrote it.`,
    );
  }
  for (const { prefix, model } of models) model.setWeights(weights.get(prefix)!);
  const naming = namingOf(parts);
  for (const { prefix, optimizer } of optimizers) setOptimizerState(optimizer, naming, optimizerStates.get(prefix)!);
}
