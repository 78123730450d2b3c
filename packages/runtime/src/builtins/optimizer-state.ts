import type * as tf from '@tensorflow/tfjs';
import type { Model } from '../contracts';
import type { Optimizer } from '../training/optimizer';

/**
 * Maps tfjs variable names to stable names. tfjs makes variable names unique per process (a
 * second model with the same layer names gets suffixed variables), so optimiser slots keyed by
 * `variable.name` would not find their variables after a resume. Models give stable weight names;
 * this table translates between the two.
 */
export interface VariableNaming {
  stableName(variableName: string): string | undefined;
  variableName(stableName: string): string | undefined;
}

/** Builds a {@link VariableNaming} from models (prefix + stable weight name) and extra named variables. */
export function createVariableNaming(entries: Array<{ prefix: string; model: Model }>, extra: Array<{ name: string; variable: tf.Variable }> = []): VariableNaming {
  const toStable = new Map<string, string>();
  const toVariable = new Map<string, string>();
  const add = (variableName: string, stable: string) => {
    toStable.set(variableName, stable);
    toVariable.set(stable, variableName);
  };
  for (const { prefix, model } of entries) {
    for (const [key, tensor] of Object.entries(model.getWeights())) {
      const name = (tensor as tf.Variable).name;
      if (typeof name === 'string') add(name, `${prefix}${key}`);
    }
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

/** What {@link getTrainingState} saves: a model, the variables of its losses and its optimiser. */
export interface TrainingStateParts {
  model: Model;
  /** Trainable variables owned by losses (e.g. a FitNet regressor), saved as `loss/<index>`. */
  lossVariables?: () => tf.Variable[];
  optimizer: Optimizer;
}

function namingOf(parts: TrainingStateParts): VariableNaming {
  return createVariableNaming(
    [{ prefix: 'model/', model: parts.model }],
    (parts.lossVariables?.() ?? []).map((variable, index) => ({ name: `loss/${index}`, variable })),
  );
}

/**
 * A trainer's state under names that do not depend on tfjs's process-global variable numbering:
 * `model/<weight name>`, `loss/<index>`, `optimizer/<slot>/<stable name>` (new tensors, owned by
 * the caller). Restores with {@link setTrainingState}, also into models built later or elsewhere.
 */
export function getTrainingState(parts: TrainingStateParts): tf.NamedTensorMap {
  const state: tf.NamedTensorMap = {};
  for (const [name, tensor] of Object.entries(parts.model.getWeights())) state[`model/${name}`] = tensor.clone();
  (parts.lossVariables?.() ?? []).forEach((variable, index) => (state[`loss/${index}`] = variable.clone()));
  for (const [name, tensor] of Object.entries(getOptimizerState(parts.optimizer, namingOf(parts)))) state[`optimizer/${name}`] = tensor;
  return state;
}

/** Restores state written by {@link getTrainingState}. */
export function setTrainingState(parts: TrainingStateParts, state: tf.NamedTensorMap): void {
  const weights: tf.NamedTensorMap = {};
  const optimizerState: tf.NamedTensorMap = {};
  const lossVariables = parts.lossVariables?.() ?? [];
  for (const [name, tensor] of Object.entries(state)) {
    if (name.startsWith('model/')) weights[name.slice('model/'.length)] = tensor;
    else if (name.startsWith('optimizer/')) optimizerState[name.slice('optimizer/'.length)] = tensor;
    else if (name.startsWith('loss/')) lossVariables[Number(name.slice('loss/'.length))]?.assign(tensor);
  }
  parts.model.setWeights(weights);
  setOptimizerState(parts.optimizer, namingOf(parts), optimizerState);
}
