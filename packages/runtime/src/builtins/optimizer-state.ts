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
